#include "pivot/ctl/beast_transport.hpp"

// pivot/asio.hpp first: it includes <utility> before Asio (Boost 1.74 + C++20).
#include "pivot/asio.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <string_view>

#ifndef PIVOT_VERSION
#define PIVOT_VERSION "0.0.0"
#endif

namespace pivot::ctl {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Replies are small JSON documents; a runaway body is cut off.
constexpr std::uint64_t kBodyLimit = 16 * 1024 * 1024;

std::string seconds_text(std::chrono::milliseconds d) {
  return std::to_string(d.count() / 1000) + (d.count() % 1000 ? "." + std::to_string(d.count() % 1000 / 100) : "") +
         " s";
}

}  // namespace

BeastTransport::BeastTransport(ControllerUrl url, HttpTimeouts timeouts)
    : url_(std::move(url)), timeouts_(timeouts) {}

namespace {

// Resolves and connects within `timeout`. Beast's tcp_stream enforces its
// timeouts only on asynchronous operations, so each phase is started async
// and the private io_context is run until it is done: synchronous for the
// caller, with deadlines that hold.
Result<void> connect(asio::io_context& io, beast::tcp_stream& stream, const ControllerUrl& url,
                     std::chrono::milliseconds timeout) {
  beast::error_code ec;
  tcp::resolver resolver(io);
  tcp::resolver::results_type endpoints;
  bool resolved = false;
  resolver.async_resolve(url.host, std::to_string(url.port), [&](beast::error_code e, tcp::resolver::results_type r) {
    ec = e;
    endpoints = std::move(r);
    resolved = true;
  });
  io.run_for(timeout);
  if (!resolved) {
    resolver.cancel();
    return make_error("unreachable", "cannot resolve " + url.host + " within " + seconds_text(timeout));
  }
  if (ec) return make_error("unreachable", "cannot resolve " + url.host + ": " + ec.message());

  io.restart();
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  io.run();
  if (ec == beast::error::timeout) return make_error("unreachable", "no connection within " + seconds_text(timeout));
  if (ec) return make_error("unreachable", ec.message());
  return ok();
}

http::request<http::string_body> make_request(http::verb verb, const ControllerUrl& url, const std::string& target,
                                              const std::string& token, const char* accept) {
  http::request<http::string_body> req{verb, url.base_path + target, 11};
  req.set(http::field::host, url.host + ":" + std::to_string(url.port));
  req.set(http::field::user_agent, std::string("pivotctl/") + PIVOT_VERSION);
  req.set(http::field::accept, accept);
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  return req;
}

// A read or write that failed, as the operator reads it.
Error read_error(beast::error_code ec, std::chrono::milliseconds timeout, const char* waited_for) {
  if (ec == beast::error::timeout) return make_error("unreachable", std::string("no ") + waited_for + " within " + seconds_text(timeout));
  if (ec == http::error::end_of_stream || ec == asio::error::eof) {
    return make_error("unreachable", "the connection was closed before an answer");
  }
  return make_error("unreachable", ec.message());
}

}  // namespace

Result<HttpReply> BeastTransport::request(Method method, const std::string& target, const std::string& body,
                                          const std::string& token) {
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    if (auto connected = connect(io, stream, url_, timeouts_.connect); !connected) return connected.error();

    const http::verb verb = method == Method::post     ? http::verb::post
                            : method == Method::put     ? http::verb::put
                            : method == Method::delete_ ? http::verb::delete_
                                                        : http::verb::get;
    auto req = make_request(verb, url_, target, token, "application/json");
    if (method == Method::post || method == Method::put) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();

    beast::error_code ec;
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    io.restart();
    stream.expires_after(timeouts_.read);
    http::async_write(stream, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      if (ec) return;
      http::async_read(stream, buffer, parser, [&](beast::error_code e2, std::size_t) { ec = e2; });
    });
    io.run();
    if (ec) return read_error(ec, timeouts_.read, "answer");

    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    auto reply = parser.release();
    return HttpReply{static_cast<int>(reply.result_int()), std::move(reply.body())};
  } catch (const std::exception& e) {  // Asio's allocation or system errors: an answer was not had
    return make_error("unreachable", e.what());
  }
}

// The body is read through a buffer_body, piece by piece, whatever its
// framing (pivotd's ends with the connection; a proxy may chunk it).
Result<HttpReply> BeastTransport::stream(const std::string& target, const std::string& token,
                                         const std::string& last_event_id, const StreamSink& sink) {
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    if (auto connected = connect(io, stream, url_, timeouts_.connect); !connected) return connected.error();
    auto req = make_request(http::verb::get, url_, target, token, "text/event-stream");
    if (!last_event_id.empty()) req.set("Last-Event-ID", last_event_id);
    req.prepare_payload();

    beast::error_code ec;
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);  // a stream has no end but the connection's
    io.restart();
    stream.expires_after(timeouts_.read);
    http::async_write(stream, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      if (ec) return;
      http::async_read_header(stream, buffer, parser, [&](beast::error_code e2, std::size_t) { ec = e2; });
    });
    io.run();
    if (ec) return read_error(ec, timeouts_.read, "answer");
    const int status = static_cast<int>(parser.get().result_int());

    std::array<char, 16384> piece{};
    std::string error_body;  // a refusal's JSON, read whole
    while (!parser.is_done()) {
      parser.get().body().data = piece.data();
      parser.get().body().size = piece.size();
      io.restart();
      stream.expires_after(status == 200 ? timeouts_.stream_idle : timeouts_.read);
      bool read = false;
      http::async_read_some(stream, buffer, parser, [&](beast::error_code e, std::size_t) {
        ec = e;
        read = true;
      });
      // The read waits in slices of a tick: between them the sink may stop
      // the stream (the idle timeout above still counts from the read's start).
      bool stopped = false;
      while (!read) {
        io.run_for(std::chrono::milliseconds(kStreamTickMs));
        if (!read && status == 200 && !sink({})) {
          stopped = true;
          break;
        }
      }
      if (stopped) {
        stream.close();  // the pending read ends with operation_aborted
        io.run();
        break;
      }
      if (ec == http::error::need_buffer) ec = {};
      if (ec == http::error::end_of_stream || ec == asio::error::eof) break;  // pivotd closed it
      if (ec) return read_error(ec, status == 200 ? timeouts_.stream_idle : timeouts_.read, "event");
      const std::string_view got(piece.data(), piece.size() - parser.get().body().size);
      if (status != 200) {
        if (error_body.size() < kBodyLimit) error_body.append(got);
        continue;
      }
      if (!got.empty() && !sink(got)) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return HttpReply{status, std::move(error_body)};
  } catch (const std::exception& e) {
    return make_error("unreachable", e.what());
  }
}

}  // namespace pivot::ctl
