// The HTTP/1.1 request parser as the server sets it up (Beast's, with the
// server's default header and body limits), then the conversion to the plain
// request the protocol layer reads. Bytes as they would arrive on a socket.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "server/beast_message.h"
#include "server/http_server.h"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ecsd::server::Limits limits;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.maxHeaderBytes));
  parser.body_limit(limits.maxBodyBytes);
  parser.eager(true);
  // Fed in pieces, as reads deliver them: what the parser has not taken
  // stays in the buffer and is offered again with the next piece.
  boost::beast::flat_buffer buffer;
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done()) {
    if (used < size) {
      const std::size_t piece = std::min<std::size_t>(size - used, 1 + data[used] % 97);
      auto space = buffer.prepare(piece);
      std::memcpy(space.data(), data + used, piece);
      buffer.commit(piece);
      used += piece;
    }
    const std::size_t taken = parser.put(buffer.data(), ec);
    buffer.consume(taken);
    if (ec == http::error::need_more) {
      ec = {};
      if (used == size) break;  // the input ends mid-request
      continue;
    }
    if (ec || (taken == 0 && used == size)) break;
  }
  if (!ec && parser.is_done()) {
    const auto request = ecsd::server::toHttpRequest(parser.release(), "127.0.0.1:1");
    (void)request.header("X-Amz-Target");
  }
  return 0;
}
