// pivotd's HTTP server on a real socket (127.0.0.1, a free port) with a Beast
// synchronous client: what only the server does (body limit, keep-alive,
// timeouts, bind errors, a handler that throws); the routes themselves are
// unit-tested through ApiRouter.
#include "pivot/controller/http_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "pivot/asio.hpp"  // first: <utility> before any Asio header
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_ports.hpp"
#include "fake_service.hpp"
#include "pivot/controller/api_router.hpp"
#include "pivot/controller/pivot_service.hpp"
#include "pivot/controller/posix_hook_runner.hpp"
#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using ::testing::HasSubstr;

const std::string kOperatorToken = "op-token-0123456789";

// The server and its io_context on a thread of their own, as pivotd runs it.
class RunningServer {
 public:
  explicit RunningServer(HttpServer::Handler handler, HttpServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<HttpServer>(io_, options, std::move(handler));
    auto started = server_->start();
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RunningServer() {
    server_->stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return server_->port(); }

 private:
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

// A client connection; every read gives up after 10 s instead of hanging the test.
class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    const timeval timeout{10, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }

  http::response<http::string_body> send(http::verb method, const std::string& target, const std::string& body = "",
                                         const std::string& token = "", const std::string& idempotency_key = "") {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!idempotency_key.empty()) req.set("Idempotency-Key", idempotency_key);
    if (method == http::verb::post) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(socket_, req);
    return receive();
  }

  void write_raw(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }

  http::response<http::string_body> receive() {
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return res;
  }

  // True when the server closed the connection (EOF) rather than sent bytes.
  bool closed_by_server() {
    beast::error_code ec;
    std::array<char, 64> scratch{};
    socket_.read_some(net::buffer(scratch), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

 private:
  net::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

nlohmann::json json_of(const http::response<http::string_body>& res) { return nlohmann::json::parse(res.body()); }

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest()
      : tokens_(Tokens::parse("operator deploy " + kOperatorToken + "\n", "tokens").value()),
        router_(service_, &tokens_, "1.2.3"),
        server_([this](const ApiRequest& r) { return router_.handle(r); }) {}

  FakeService service_;
  Tokens tokens_;
  ApiRouter router_;
  RunningServer server_;
};

TEST_F(HttpServerTest, HealthIs200WithJson) {
  Client client(server_.port());
  const auto res = client.send(http::verb::get, "/v1/health");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(json_of(res)["status"], "ok");
  EXPECT_EQ(json_of(res)["version"], "1.2.3");
}

TEST_F(HttpServerTest, NoTokenIs401WithABearerChallenge) {
  Client client(server_.port());
  const auto res = client.send(http::verb::get, "/v1/clusters");
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_THAT(std::string(res[http::field::www_authenticate]), HasSubstr("Bearer"));
  EXPECT_EQ(json_of(res)["error"], "unauthorized");
}

TEST_F(HttpServerTest, ABodyOver64KiBIs413AndTheServerServesTheNextConnection) {
  {
    Client client(server_.port());
    const auto res = client.send(http::verb::post, "/v1/clusters/sms-1/pivot", std::string(65 * 1024, ' '),
                                 kOperatorToken);
    EXPECT_EQ(res.result_int(), 413);
    EXPECT_EQ(json_of(res)["error"], "too_large");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(client.closed_by_server());
  }
  EXPECT_TRUE(service_.starts.empty());
  Client next(server_.port());
  EXPECT_EQ(next.send(http::verb::get, "/v1/health").result_int(), 200);
}

TEST_F(HttpServerTest, AChunkedBodyOver64KiBIs413Too) {
  Client client(server_.port());
  std::string request = "POST /v1/clusters/sms-1/pivot HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kOperatorToken +
                        "\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) request += "4000\r\n" + std::string(0x4000, ' ') + "\r\n";
  client.write_raw(request + "0\r\n\r\n");
  const auto res = client.receive();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(json_of(res)["error"], "too_large");
  EXPECT_TRUE(service_.starts.empty());
}

// curl sends Expect: 100-continue for larger bodies and waits a second for it.
TEST_F(HttpServerTest, ExpectContinueIsAnswered) {
  Client client(server_.port());
  client.write_raw("POST /v1/clusters/sms-1/pivot HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kOperatorToken +
                   "\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(client.receive().result_int(), 100);
  client.write_raw("{}");
  EXPECT_EQ(client.receive().result_int(), 202);
  EXPECT_EQ(service_.starts.size(), 1u);
}

TEST_F(HttpServerTest, ABodyOfExactly64KiBIsRead) {
  Client client(server_.port());
  const auto res = client.send(http::verb::post, "/v1/clusters/sms-1/pivot", "{}" + std::string(64 * 1024 - 2, ' '),
                               kOperatorToken);
  EXPECT_EQ(res.result_int(), 202);
  ASSERT_EQ(service_.starts.size(), 1u);
}

TEST_F(HttpServerTest, MalformedJsonIs400AndStartsNothing) {
  Client client(server_.port());
  const auto res = client.send(http::verb::post, "/v1/clusters/sms-1/pivot", R"({"candidate": )", kOperatorToken);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(json_of(res)["error"], "bad_request");
  EXPECT_TRUE(service_.starts.empty());
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Client client(server_.port());
  const auto first = client.send(http::verb::post, "/v1/clusters/sms-1/pivot-status", R"({"candidate": "db2"})",
                                 kOperatorToken, "deploy-881");
  EXPECT_EQ(first.result_int(), 202);
  EXPECT_TRUE(first.keep_alive());
  EXPECT_EQ(first[http::field::location], "/v1/jobs/j-1");
  const auto second = client.send(http::verb::get, "/v1/health");
  EXPECT_EQ(second.result_int(), 200);
  ASSERT_EQ(service_.starts.size(), 1u);
  EXPECT_EQ(service_.starts[0].requested_by, "deploy");
  EXPECT_EQ(service_.starts[0].options.idempotency_key, "deploy-881");
}

TEST_F(HttpServerTest, GarbageIs400AndClosed) {
  Client client(server_.port());
  client.write_raw("HELLO THERE\r\n\r\n");
  const auto res = client.receive();
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(json_of(res)["error"], "bad_request");
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(HttpServerTest, BindingATakenPortIsAClearError) {
  net::io_context io;
  HttpServer second(io, {"127.0.0.1", server_.port()}, [](const ApiRequest&) { return ApiResponse{}; });
  const auto started = second.start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, "http_bind");
  EXPECT_THAT(started.error().message, HasSubstr("127.0.0.1:" + std::to_string(server_.port())));
  EXPECT_THAT(started.error().message, HasSubstr("in use"));
}

TEST(HttpServer, ANameInsteadOfAnAddressIsAClearError) {
  net::io_context io;
  HttpServer server(io, {"localhost", 0}, [](const ApiRequest&) { return ApiResponse{}; });
  const auto started = server.start();
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.error().message, HasSubstr("not an IP address"));
}

TEST(HttpServer, AHandlerExceptionIs500AndTheConnectionStaysUsable) {
  RunningServer server([](const ApiRequest& r) -> ApiResponse {
    if (r.target == "/boom") throw std::runtime_error("journal exploded");
    return ApiResponse{200, "application/json", "{}", {}};
  });
  Client client(server.port());
  const auto res = client.send(http::verb::get, "/boom");
  EXPECT_EQ(res.result_int(), 500);
  EXPECT_EQ(json_of(res)["error"], "internal");
  EXPECT_THAT(res.body(), ::testing::Not(HasSubstr("exploded")));  // details go to the log only
  EXPECT_EQ(client.send(http::verb::get, "/fine").result_int(), 200);
}

TEST(HttpServer, AnIdleConnectionIsClosedAfterTheReadTimeout) {
  HttpServerOptions options;
  options.read_timeout = std::chrono::milliseconds(200);
  RunningServer server([](const ApiRequest&) { return ApiResponse{}; }, options);
  Client client(server.port());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// pivotd's real service, executor and hook runner behind the server (fake
// agents), on clusters sms-1 and sms-2 as the topology builder reports them.
class RealServiceOverHttp : public ::testing::Test {
 protected:
  RealServiceOverHttp() {
    dir_ = (std::filesystem::temp_directory_path() / "pivot-http-real-XXXXXX").string();
    EXPECT_NE(::mkdtemp(dir_.data()), nullptr);
  }
  ~RealServiceOverHttp() override {
    service_.wait_idle();
    std::filesystem::remove_all(dir_);
  }

  // Loads the clusters (sms-1 with these hooks) and feeds their agents' state.
  void load(const Hooks& hooks = {}) {
    std::map<std::string, ClusterSpec> specs;
    for (const char* name : {"sms-1", "sms-2"}) {
      auto topology = test::Topology::healthy();
      topology.spec.name = name;
      if (topology.spec.name == "sms-1") topology.spec.hooks = hooks;
      specs[name] = topology.spec;
      for (auto m : test::state_messages(topology)) {
        m.envelope.cluster = name;
        service_.on_message(m, clock_.steady_ms());
      }
    }
    service_.set_specs(specs);
  }
  std::string write_hook(const std::string& name, const std::string& body) const {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path;
  }
  http::response<http::string_body> post(const std::string& target, const std::string& body, const std::string& key) {
    return client_.send(http::verb::post, target, body, kOperatorToken, key);
  }

  std::string dir_;
  test::ManualClock clock_;
  test::FakeAgents agents_{clock_};
  PosixHookRunner hooks_;
  PivotService service_{agents_, hooks_, clock_, 3};
  Tokens tokens_ = Tokens::parse("operator deploy " + kOperatorToken + "\noperator other other-token-0123456789\n",
                                 "tokens")
                       .value();
  ApiRouter router_{service_, &tokens_, "1.2.3"};
  RunningServer server_{[this](const ApiRequest& r) { return router_.handle(r); }};
  Client client_{server_.port()};
};

// Issue 12's report end to end on a real socket: a post_pivot hook (a real
// process) writes 64 KiB minus one byte and then "é", which straddles the
// cap. The pivot runs through the real service and executor (fake agents),
// and GET /v1/jobs and /v1/jobs/{id} still answer 200 with valid JSON.
TEST_F(RealServiceOverHttp, AJobWhoseHookWrote64KiBAndAMultibyteCharacterListsFine) {
  Hooks hooks;
  hooks.post_pivot = write_hook("notify", "head -c 65535 /dev/zero | tr '\\0' x; printf '\\303\\251 done\\n'");
  load(hooks);
  auto id = service_.start_pivot("sms-1", {.candidate = "db2"}, "deploy");
  ASSERT_TRUE(id.ok()) << id.error().message;
  service_.wait_idle();

  for (const std::string& target : std::vector<std::string>{"/v1/jobs", "/v1/jobs/" + *id}) {
    SCOPED_TRACE(target);
    const auto res = client_.send(http::verb::get, target, "", kOperatorToken);
    ASSERT_EQ(res.result_int(), 200) << res.body().substr(0, 300);
    const auto body = nlohmann::json::parse(res.body(), nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(body.is_discarded()) << "not valid JSON";
    const auto& job = body.is_array() ? body.at(0) : body;
    EXPECT_EQ(job["id"], *id);
    EXPECT_EQ(job["state"], "succeeded") << job["result"].dump();
    const auto steps = job["steps"];
    const auto post = std::find_if(steps.begin(), steps.end(), [](const auto& s) { return s["name"] == "post_pivot"; });
    ASSERT_NE(post, steps.end());
    const auto output = (*post)["detail"]["output"].get<std::string>();
    EXPECT_EQ(output, std::string(PosixHookRunner::kMaxOutputBytes - 1, 'x'));
    EXPECT_EQ((*post)["detail"]["output_truncated"], true);
  }
}

// A server's error relayed by an agent in latin1 (a duplicate key 'café'):
// through the executor into the job, and the listing still answers.
TEST_F(RealServiceOverHttp, AnAgentMessageThatIsNotUtf8ListsFine) {
  load();
  // The fence is one fence_writes with read_only (2f1db4b): its refusal rolls the pivot back.
  agents_.fail_once("db1", "fence_writes",
                    test::FakeAgents::refused("mysql_error", "Duplicate entry 'caf\xE9' for key 'PRIMARY'"));
  auto id = service_.start_pivot("sms-1", {.candidate = "db2"}, "deploy");
  ASSERT_TRUE(id.ok());
  service_.wait_idle();
  const auto res = client_.send(http::verb::get, "/v1/jobs?cluster=sms-1", "", kOperatorToken);
  ASSERT_EQ(res.result_int(), 200) << res.body().substr(0, 300);
  const auto body = nlohmann::json::parse(res.body(), nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(body.is_discarded()) << "not valid JSON";
  EXPECT_EQ(body.at(0)["state"], "rolled_back");
  EXPECT_THAT(body.at(0)["result"]["message"].get<std::string>(), HasSubstr("caf\xEF\xBF\xBD"));
}

// Issue 12: a key used for a pivot-status returned that job to a pivot's
// POST with 202. Over HTTP, across kinds, clusters, bodies and tokens.
TEST_F(RealServiceOverHttp, AnIdempotencyKeyAnswersOnlyTheRequestAndTokenItWasFirstUsedBy) {
  load();
  const auto first = post("/v1/clusters/sms-1/pivot-status", "{}", "deploy-9");
  ASSERT_EQ(first.result_int(), 202) << first.body();
  const std::string job = json_of(first)["job"];

  struct Case {
    std::string target, body;
  };
  for (const auto& c : std::vector<Case>{{"/v1/clusters/sms-1/pivot", R"({"dry_run": true})"},
                                         {"/v1/clusters/sms-2/pivot-status", "{}"},
                                         {"/v1/clusters/sms-1/pivot-status", R"({"candidate": "db3"})"}}) {
    SCOPED_TRACE(c.target + " " + c.body);
    const auto res = post(c.target, c.body, "deploy-9");
    EXPECT_EQ(res.result_int(), 422) << res.body();
    EXPECT_EQ(json_of(res)["error"], "idempotency_mismatch");
    EXPECT_THAT(res.body(), HasSubstr(job));
  }
  const auto stranger =
      client_.send(http::verb::post, "/v1/clusters/sms-1/pivot-status", "{}", "other-token-0123456789", "deploy-9");
  EXPECT_EQ(stranger.result_int(), 422) << stranger.body();
  EXPECT_THAT(stranger.body(), ::testing::Not(HasSubstr(job)));

  // The same request again, spelled differently: the first job.
  const auto again = post("/v1/clusters/sms-1/pivot-status", R"({ "candidate" : null })", "deploy-9");
  EXPECT_EQ(again.result_int(), 202) << again.body();
  EXPECT_EQ(json_of(again)["job"], job);
  service_.wait_idle();
  EXPECT_EQ(service_.jobs(std::nullopt, 10).size(), 1u) << "nothing else was started";
}

}  // namespace
}  // namespace pivot::controller
