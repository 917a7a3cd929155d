#pragma once
// pivotd's HTTP server: Boost.Beast on an io_context that pivotd runs. It only
// does I/O and timeouts; what to answer is the handler's business (ApiRouter,
// a pure function from request to response). Beast stays in the .cpp: this
// header is cheap to include.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "pivot/controller/api_router.hpp"
#include "pivot/result.hpp"

namespace boost::asio {
class io_context;
}

namespace pivot::controller {

struct HttpServerState;  // in the .cpp: the acceptor, the sessions, Beast

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 address (no name lookup)
  std::uint16_t port = 7780;       // 0: any free port (see HttpServer::port)
  std::chrono::milliseconds read_timeout{30000};  // a request must arrive whole within this
  std::size_t body_limit = 64 * 1024;             // larger bodies get 413 too_large
  // A streamed response (GET /v1/events): each write must be taken by the
  // client within this, or the connection is closed (a client that stopped reading).
  std::chrono::milliseconds stream_write_timeout{30000};
};

class HttpServer {
 public:
  // Called on an io_context thread for every request; an exception becomes a
  // 500 internal. ApiRouter::handle fits.
  using Handler = std::function<ApiResponse(const ApiRequest&)>;

  HttpServer(boost::asio::io_context& io, HttpServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. An error (code http_bind) names the address
  // and the reason ("127.0.0.1:7780: Address already in use"); nothing throws.
  Result<void> start();
  // The bound port (the real one when options.port was 0); 0 before start().
  std::uint16_t port() const;
  // Stops accepting and closes every open connection. Safe from any thread;
  // the io_context may keep running for the rest of pivotd.
  void stop();

 private:
  std::shared_ptr<HttpServerState> state_;
};

}  // namespace pivot::controller
