#include "pivot/endpoint.hpp"

#include <gtest/gtest.h>

namespace pivot {
namespace {

TEST(Endpoint, ParsesHostAndPort) {
  auto e = parse_tcp_endpoint("tcp://mha.example:7701");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "mha.example");
  EXPECT_EQ(e->port, 7701);
  auto wildcard = parse_tcp_endpoint("tcp://*:7702");
  ASSERT_TRUE(wildcard.ok());
  EXPECT_EQ(wildcard->host, "*");
  auto v6 = parse_tcp_endpoint("tcp://[::1]:7701");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
}

TEST(Endpoint, RefusesMalformed) {
  for (const char* bad : {"", "mha:7701", "tcp://mha", "tcp://:7701", "tcp://mha:0", "tcp://mha:65536",
                          "tcp://mha:77x", "tcp://::1:7701", "tcp://[::1]7701", "ipc:///tmp/x"}) {
    auto e = parse_tcp_endpoint(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().code, "bad_endpoint") << bad;
  }
}

TEST(Endpoint, LoopbackIsOnly127SlashEightLocalhostAndV6One) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "::1"}) EXPECT_TRUE(is_loopback_host(host)) << host;
  for (const char* host : {"*", "0.0.0.0", "10.0.0.1", "127.0.0", "127.0.0.1.5", "1127.0.0.1", "127.0.0.256",
                           "localhost.evil.com", "mha"})
    EXPECT_FALSE(is_loopback_host(host)) << host;
}

}  // namespace
}  // namespace pivot
