// Every way a call to pivotd can fail, as an exit code and a line for the
// operator: unreachable names the URL, refusals print pivotd's slug and message.
#include <gtest/gtest.h>

#include "fakes.hpp"

namespace pivot::ctl {
namespace {

using nlohmann::json;
using testing::Harness;

struct StatusCase {
  int status;
  const char* slug;
  int exit;
};

TEST(ApiErrors, EachHttpStatusMapsToItsExitCode) {
  const StatusCase cases[] = {
      {401, "unauthorized", 5}, {403, "forbidden", 5},       {404, "not_found", 5},
      {409, "conflict", 5},     {412, "precondition_failed", 5}, {501, "not_implemented", 5},
      {500, "internal", 5},     {400, "bad_request", 2},     {413, "too_large", 2},
  };
  for (const auto& c : cases) {
    Harness h;
    h.transport.on(Method::get, "/v1/clusters/sms-1", testing::error_reply(c.status, c.slug, "what pivotd says"));
    EXPECT_EQ(h.run({"status", "sms-1"}), c.exit) << c.status;
    const std::string err = h.err.str();
    EXPECT_NE(err.find(std::to_string(c.status)), std::string::npos) << err;
    EXPECT_NE(err.find(c.slug), std::string::npos) << err;
    EXPECT_NE(err.find("what pivotd says"), std::string::npos) << err;
    EXPECT_EQ(h.out.str(), "") << "nothing on stdout without --json";
  }
}

TEST(ApiErrors, JsonModePrintsTheServersErrorOnStdout) {
  Harness h;
  h.transport.on(Method::get, "/v1/clusters/nope", testing::error_reply(404, "not_found", "no cluster nope"));
  EXPECT_EQ(h.run({"status", "nope", "--json"}), 5);
  EXPECT_EQ(json::parse(h.out.str()), (json{{"error", "not_found"}, {"message", "no cluster nope"}}));
}

TEST(ApiErrors, UnreachableNamesTheUrl) {
  Harness h;
  h.transport.unreachable("Connection refused");
  EXPECT_EQ(h.run({"clusters", "--controller", "http://10.9.9.9:7780"}), 1);
  EXPECT_NE(h.err.str().find("http://10.9.9.9:7780"), std::string::npos) << h.err.str();
  EXPECT_NE(h.err.str().find("Connection refused"), std::string::npos) << h.err.str();
}

TEST(ApiErrors, UnreachableWithTheDefaultUrl) {
  Harness h;
  h.transport.unreachable("Connection refused");
  EXPECT_EQ(h.run({"pivot", "sms-1", "--yes"}), 1);
  EXPECT_NE(h.err.str().find("http://127.0.0.1:7780"), std::string::npos) << h.err.str();
}

TEST(ApiErrors, ASuccessThatIsNotJsonIsABadReply) {
  Harness h;
  h.transport.on(Method::get, "/v1/clusters", HttpReply{200, "<html>proxy</html>"});
  EXPECT_EQ(h.run({"clusters"}), 1);
  EXPECT_NE(h.err.str().find("not JSON"), std::string::npos) << h.err.str();
}

TEST(ApiErrors, AnErrorThatIsNotJsonIsShownAsText) {
  Harness h;
  h.transport.on(Method::get, "/v1/clusters", HttpReply{502, "Bad Gateway\n"});
  EXPECT_EQ(h.run({"clusters"}), 5);
  EXPECT_NE(h.err.str().find("HTTP 502: Bad Gateway"), std::string::npos) << h.err.str();
}

}  // namespace
}  // namespace pivot::ctl
