#include "pivot/controller/http_server.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <vector>

#include "pivot/asio.hpp"  // first: <utility> before any Asio header
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "pivot/controller/api_errors.hpp"
#include "pivot/log.hpp"

namespace pivot::controller {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// After refusing a request mid-body (413, 400), the rest of what the client
// sends is read and dropped for a moment before closing: closing a socket
// with unread input sends a reset that can destroy our answer in flight.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr std::size_t kLingerBytes = 1 << 20;
constexpr std::size_t kLoggedTargetChars = 200;
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
// The kernel's send buffer of a streamed response: bounded, so that a client
// that stops reading holds at most this much of the host's memory in the
// kernel before its own queue (EventHub's) fills and it is dropped.
constexpr int kStreamSendBuffer = 64 * 1024;

std::string address_of(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address().to_string();
  const auto host = endpoint.address().is_v6() ? "[" + address + "]" : address;
  return host + ":" + std::to_string(endpoint.port());
}

}  // namespace

class HttpSession;

struct HttpServerState {
  HttpServerState(net::io_context& io, HttpServerOptions opts, HttpServer::Handler h)
      : io(io), options(std::move(opts)), handler(std::move(h)), acceptor(net::make_strand(io)),
        retry(acceptor.get_executor()), log(pivot::log::get("pivotd.api")) {}

  void accept(const std::shared_ptr<HttpServerState>& self);
  void add(const std::shared_ptr<HttpSession>& session);

  net::io_context& io;
  const HttpServerOptions options;
  const HttpServer::Handler handler;
  tcp::acceptor acceptor;
  net::steady_timer retry;
  std::shared_ptr<spdlog::logger> log;
  std::atomic<std::uint16_t> port{0};

  std::mutex mu;  // guards what follows (stop() may come from any thread)
  bool started = false;
  bool stopped = false;
  std::vector<std::weak_ptr<HttpSession>> sessions;
};

// One connection: reads requests one at a time (keep-alive), asks the
// handler, writes the answer. Only I/O and timeouts live here.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::shared_ptr<HttpServerState> server)
      : stream_(std::move(socket)), server_(std::move(server)), keepalive_(stream_.get_executor()) {
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? "?" : address_of(remote);
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // From HttpServer::stop(), on any thread.
  void close_soon() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

 private:
  const HttpServerOptions& options() const { return server_->options; }
  spdlog::logger& log() const { return *server_->log; }

  void read_header() {
    parser_.emplace();
    parser_->body_limit(options().body_limit);
    started_ = std::chrono::steady_clock::now();
    stream_.expires_after(options().read_timeout);  // covers header and body
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& req = parser_->get();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      // curl sends this for larger bodies and would otherwise wait a second.
      continue_.emplace(http::status::continue_, req.version());
      http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code ec2, std::size_t) {
        if (ec2) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == net::error::eof) {
      return close();  // the client is done
    }
    if (ec == beast::error::timeout) {
      log().debug("connection closed: no whole request within {} ms peer={}", options().read_timeout.count(), peer_);
      return close();
    }
    if (ec == http::error::body_limit) {
      return refuse(error_response(api_error::too_large, "the body exceeds " + std::to_string(options().body_limit) + " bytes"));
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {  // a parse error
      return refuse(error_response(api_error::bad_request, "malformed HTTP request: " + ec.message()));
    }
    log().debug("connection closed: {} peer={}", ec.message(), peer_);
    close();
  }

  void on_body(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& req = parser_->get();
    ApiRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    if (auto it = req.find(http::field::authorization); it != req.end()) request.authorization = std::string(it->value());
    if (auto it = req.find("Idempotency-Key"); it != req.end()) request.idempotency_key = std::string(it->value());
    if (auto it = req.find("Last-Event-ID"); it != req.end()) request.last_event_id = std::string(it->value());
    request.body = req.body();

    ApiResponse response;
    try {
      response = server_->handler(request);
    } catch (const std::exception& e) {
      log().error("request failed: {} method={} path={} peer={}", e.what(), request.method, logged_target(),
                  peer_);
      response = error_response(api_error::internal, "internal error; pivotd's log has the details");
    }
    if (response.stream) return start_stream(response);
    respond(response, req.keep_alive(), false);
  }

  // A streamed response: the header, then whatever the stream has whenever
  // it wakes us, a keep-alive when it has had nothing for a while, until the
  // client goes, a write is not taken in time, or the stream ends (dropped).
  // Delimited by the connection's close (no length, no chunks): any HTTP/1.x
  // client reads it, and SSE is never kept alive for another request.
  void start_stream(const ApiResponse& response) {
    feed_ = response.stream;
    log_request(response.status);
    std::string head = "HTTP/1.1 " + std::to_string(response.status) + " OK\r\nServer: pivotd\r\nContent-Type: " +
                       response.content_type + "\r\n";
    for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
    head += "Connection: close\r\n\r\n";
    beast::error_code ignored;
    stream_.socket().set_option(net::socket_base::send_buffer_size(kStreamSendBuffer), ignored);
    stream_.expires_never();
    watch_peer();
    std::weak_ptr<HttpSession> weak = shared_from_this();
    feed_->start([weak, executor = stream_.get_executor()] {
      net::post(executor, [weak] {
        if (auto self = weak.lock()) self->on_wake();
      });
    });
    out_ = head + feed_->take();
    write_out();
  }

  // The client sends nothing more on a stream; a read that ends is its close.
  void watch_peer() {
    stream_.socket().async_read_some(net::buffer(drain_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) {
        self->log().debug("event stream closed by the client peer={}", self->peer_);
        return self->close();
      }
      self->watch_peer();
    });
  }

  void write_out() {
    writing_ = true;
    stream_.expires_after(options().stream_write_timeout);
    net::async_write(stream_, net::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (self->closed_) return;
      if (ec == beast::error::timeout) {
        self->log().warn("event stream client dropped: a write was not taken within {} ms peer={}",
                         self->options().stream_write_timeout.count(), self->peer_);
        return self->close();
      }
      if (ec) return self->close();
      self->pump();
    });
  }

  bool stream_ended() {
    if (!feed_->ended()) return false;
    log().warn("event stream client dropped: it read too slowly and its queue is full peer={}", peer_);
    close();
    return true;
  }

  // On the strand, no write in flight: write what waits, or wait idle.
  void pump() {
    if (stream_ended()) return;
    out_ = feed_->take();
    if (!out_.empty()) return write_out();
    keepalive_.expires_after(feed_->keepalive());
    keepalive_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_ || self->writing_) return;
      self->out_ = self->feed_->idle_bytes();
      self->write_out();
    });
  }

  void on_wake() {
    if (closed_ || !feed_) return;
    if (writing_) {
      stream_ended();  // a full queue ends the stream even while a write hangs
      return;
    }
    keepalive_.cancel();
    pump();
  }

  // Answers a request that could not be read whole, then closes.
  void refuse(const ApiResponse& response) { respond(response, false, true); }

  void respond(const ApiResponse& response, bool keep_alive, bool linger) {
    const auto version = parser_ ? parser_->get().version() : 11;  // 11 until a start line says otherwise
    res_.emplace(static_cast<http::status>(response.status), version);
    res_->set(http::field::server, "pivotd");
    res_->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res_->set(name, value);
    res_->body() = response.body;
    res_->keep_alive(keep_alive);
    res_->prepare_payload();
    log_request(response.status);

    stream_.expires_after(options().read_timeout);
    http::async_write(stream_, *res_, [self = shared_from_this(), keep_alive, linger](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (linger) return self->linger();
      if (!keep_alive) return self->close();
      self->read_header();
    });
  }

  // Never the Authorization header, never a body: method, path and status.
  void log_request(int status) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
    // A refused request (413 on its Content-Length) has its start line parsed
    // but not its header done: what was read is still worth logging.
    const auto method_string = parser_ ? parser_->get().method_string() : beast::string_view();
    const std::string method = method_string.empty() ? "-" : std::string(method_string);
    log().log(status >= 400 ? spdlog::level::info : spdlog::level::debug, "request method={} path={} status={} ms={} peer={}",
              method, logged_target(), status, ms.count(), peer_);
  }

  std::string logged_target() const {
    if (!parser_ || parser_->get().target().empty()) return "-";
    std::string target(parser_->get().target());
    if (target.size() > kLoggedTargetChars) target = target.substr(0, kLoggedTargetChars) + "...";
    return target;
  }

  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(drain_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > kLingerBytes) return self->close();
      self->drain();
    });
  }

  void close() {
    closed_ = true;
    keepalive_.cancel();
    feed_.reset();  // unsubscribes now, not when the last handler lets go
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServerState> server_;
  std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> res_;
  std::chrono::steady_clock::time_point started_;
  std::array<char, 4096> drain_{};
  std::size_t drained_ = 0;
  // A streamed response's (start_stream).
  std::shared_ptr<ResponseStream> feed_;
  net::steady_timer keepalive_;
  std::string out_;
  bool writing_ = false;
  bool closed_ = false;
};

void HttpServerState::accept(const std::shared_ptr<HttpServerState>& self) {
  acceptor.async_accept(net::make_strand(io), [self](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
    if (ec) {
      // e.g. out of file descriptors: say so and try again shortly, without spinning.
      self->log->warn("accept failed: {}; retrying", ec.message());
      self->retry.expires_after(kAcceptRetry);
      self->retry.async_wait([self](beast::error_code wait_ec) {
        if (!wait_ec) self->accept(self);
      });
      return;
    }
    auto session = std::make_shared<HttpSession>(std::move(socket), self);
    self->add(session);
    session->start();
    self->accept(self);
  });
}

void HttpServerState::add(const std::shared_ptr<HttpSession>& session) {
  std::lock_guard lock(mu);
  std::erase_if(sessions, [](const auto& weak) { return weak.expired(); });
  if (stopped) {
    session->close_soon();
    return;
  }
  sessions.push_back(session);
}

HttpServer::HttpServer(net::io_context& io, HttpServerOptions options, Handler handler)
    : state_(std::make_shared<HttpServerState>(io, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

Result<void> HttpServer::start() {
  const auto& options = state_->options;
  const std::string where = (options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host) +
                            ":" + std::to_string(options.port);
  {
    std::lock_guard lock(state_->mu);
    if (state_->started) return make_error("http_bind", where + ": the HTTP server is already started");
    state_->started = true;
  }
  beast::error_code ec;
  const auto address = net::ip::make_address(options.host, ec);
  if (ec) return make_error("http_bind", where + ": '" + options.host + "' is not an IP address");
  const tcp::endpoint endpoint(address, options.port);
  auto& acceptor = state_->acceptor;
  auto fail = [&](const char* what) {
    beast::error_code ignored;
    acceptor.close(ignored);
    return make_error("http_bind", where + ": cannot " + what + ": " + ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec); ec) return fail("open a socket");
  // Lets a restarted pivotd bind at once despite connections in TIME_WAIT
  // (on Linux it does not allow two listeners on one port).
  if (acceptor.set_option(net::socket_base::reuse_address(true), ec); ec) return fail("set SO_REUSEADDR");
  if (acceptor.bind(endpoint, ec); ec) return fail("bind");
  if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) return fail("listen");
  const auto bound = acceptor.local_endpoint(ec);
  if (ec) return fail("read the bound address");
  state_->port = bound.port();
  state_->log->info("listening on http://{}", address_of(bound));
  net::dispatch(acceptor.get_executor(), [state = state_] { state->accept(state); });
  return ok();
}

std::uint16_t HttpServer::port() const { return state_->port; }

void HttpServer::stop() {
  std::vector<std::weak_ptr<HttpSession>> sessions;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopped) return;
    state_->stopped = true;
    sessions.swap(state_->sessions);
  }
  net::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
    state->retry.cancel();
  });
  for (auto& weak : sessions) {
    if (auto session = weak.lock()) session->close_soon();
  }
}

}  // namespace pivot::controller
