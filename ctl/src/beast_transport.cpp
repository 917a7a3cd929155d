#include "pivot/ctl/beast_transport.hpp"

// pivot/asio.hpp first: it includes <utility> before Asio (Boost 1.74 + C++20).
#include "pivot/asio.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

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

// Beast's tcp_stream enforces its timeouts only on asynchronous operations, so
// each phase is started async and the private io_context is run until it is
// done: synchronous for the caller, with deadlines that hold.
Result<HttpReply> BeastTransport::request(Method method, const std::string& target, const std::string& body,
                                          const std::string& token) {
  try {
    asio::io_context io;
    beast::error_code ec;

    tcp::resolver resolver(io);
    tcp::resolver::results_type endpoints;
    bool resolved = false;
    resolver.async_resolve(url_.host, std::to_string(url_.port),
                           [&](beast::error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             resolved = true;
                           });
    io.run_for(timeouts_.connect);
    if (!resolved) {
      resolver.cancel();
      return make_error("unreachable", "cannot resolve " + url_.host + " within " + seconds_text(timeouts_.connect));
    }
    if (ec) return make_error("unreachable", "cannot resolve " + url_.host + ": " + ec.message());

    beast::tcp_stream stream(io);
    io.restart();
    stream.expires_after(timeouts_.connect);
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    io.run();
    if (ec == beast::error::timeout) {
      return make_error("unreachable", "no connection within " + seconds_text(timeouts_.connect));
    }
    if (ec) return make_error("unreachable", ec.message());

    http::request<http::string_body> req{method == Method::post ? http::verb::post : http::verb::get,
                                         url_.base_path + target, 11};
    req.set(http::field::host, url_.host + ":" + std::to_string(url_.port));
    req.set(http::field::user_agent, std::string("pivotctl/") + PIVOT_VERSION);
    req.set(http::field::accept, "application/json");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (method == Method::post) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();

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
    if (ec == beast::error::timeout) {
      return make_error("unreachable", "no answer within " + seconds_text(timeouts_.read));
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof) {
      return make_error("unreachable", "the connection was closed before an answer");
    }
    if (ec) return make_error("unreachable", ec.message());

    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    auto reply = parser.release();
    return HttpReply{static_cast<int>(reply.result_int()), std::move(reply.body())};
  } catch (const std::exception& e) {  // Asio's allocation or system errors: an answer was not had
    return make_error("unreachable", e.what());
  }
}

}  // namespace pivot::ctl
