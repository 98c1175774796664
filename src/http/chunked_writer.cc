// Streamed answers (Response::stream): the source runs on a worker, one
// chunk at a time, and each chunk is written before the next is asked for,
// so memory stays flat however long the body. HTTP/1.0 gets the body
// unchunked, ended by closing the connection.
#include "http/beast_internal.h"

namespace analytics::http::detail {
namespace {

Result<bool> CallSource(const ChunkSource& source, std::string& out) {
  // Part of the per-request catch-all: a throwing stream source is a failed response.
  try {
    return source(out);
  } catch (const std::exception& e) {
    return Internal(std::string("stream source threw: ") + e.what());
  } catch (...) {
    return Internal("stream source threw a non-exception");
  }
}

}  // namespace

void Session::NextChunk() {
  if (request_.method == Method::kHead) return WriteStreamHead(/*more=*/false);
  asio::post(*context_.workers, [self = shared_from_this()] {
    self->chunk_.clear();
    Result<bool> more = CallSource(self->response_.stream, self->chunk_);
    asio::post(self->stream_.get_executor(),
               [self, more = std::move(more)] { self->OnChunk(more); });
  });
}

void Session::OnChunk(const Result<bool>& more) {
  if (closed_) return;
  if (!more.ok()) {
    if (!stream_head_) {  // nothing sent yet: a proper error answer is still possible
      response_ = ProblemResponse(more.error());
      response_.log_note = "stream failed: " + more.error().message;
      AddRequestIdToServerError();
      return WriteWhole();
    }
    // No final chunk: the client sees a truncated body, never a complete one.
    // The status (200) is sent already: the access log says StreamFailed, and
    // the cause goes to the observer as a server note (error.log).
    response_.log_note = "StreamFailed";
    request_.server_note = "stream failed after the response head: " + more.error().message;
    Notify();
    return CloseNow();
  }
  if (!stream_head_) return WriteStreamHead(*more);
  WriteChunk(*more);
}

void Session::WriteStreamHead(bool more) {
  stream_head_ = std::make_unique<StreamHead>();
  // HTTP/1.0 has no chunked encoding: the end of the body is the end of the connection.
  chunked_ = request_.version == 11;
  if (!chunked_) close_after_ = true;
  FillHeader(stream_head_->message, true);
  stream_head_->message.chunked(chunked_);
  stream_.expires_after(context_.write_timeout);
  bhttp::async_write_header(stream_, stream_head_->serializer,
                            [self = shared_from_this(), more](beast::error_code ec, std::size_t) {
                              if (ec || self->request_.method == Method::kHead) {
                                return self->OnWritten(ec);
                              }
                              self->WriteChunk(more);
                            });
}

void Session::WriteChunk(bool more) {
  if (chunk_.empty()) return more ? NextChunk() : WriteLastChunk();
  body_bytes_ += chunk_.size();
  auto on_written = [self = shared_from_this(), more](beast::error_code ec, std::size_t) {
    if (ec) {
      self->Notify();
      return self->CloseNow();
    }
    more ? self->NextChunk() : self->WriteLastChunk();
  };
  stream_.expires_after(context_.write_timeout);
  if (chunked_) {
    asio::async_write(stream_, bhttp::make_chunk(asio::buffer(chunk_)), std::move(on_written));
  } else {
    asio::async_write(stream_, asio::buffer(chunk_), std::move(on_written));
  }
}

void Session::WriteLastChunk() {
  if (!chunked_) return OnWritten({});
  stream_.expires_after(context_.write_timeout);
  asio::async_write(
      stream_, bhttp::make_chunk_last(),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWritten(ec); });
}

}  // namespace analytics::http::detail
