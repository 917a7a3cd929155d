#pragma once
// ZeroMQ TCP endpoints as written in configs ("tcp://mha:7701", "tcp://*:7701"),
// and the loopback rule of --insecure: without CURVE, pivot talks to nothing
// but this machine.

#include <cstdint>
#include <string>

#include "pivot/result.hpp"

namespace pivot {

struct TcpEndpoint {
  std::string host;  // name, IPv4, "[v6]" without brackets, or "*" (bind to all)
  uint16_t port = 0;
};

// Parses "tcp://HOST:PORT" (IPv6 as "tcp://[::1]:PORT"). Error code: bad_endpoint.
Result<TcpEndpoint> parse_tcp_endpoint(const std::string& text);

// 127.0.0.0/8, ::1 and "localhost". "*" is not loopback: it binds every interface.
bool is_loopback_host(const std::string& host);

}  // namespace pivot
