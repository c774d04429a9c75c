// SPDX-License-Identifier: Apache-2.0
// A script's response body on its way to the client: passed down httpd's
// output filters as it is read, held back at first so that a short response
// reaches the filters whole (it then gets a Content-Length) and a Range
// request's reaches the byterange filter whole, flushed before each wait for
// the script, and ended either whole or cut off, so that a client can never
// take a broken response for complete. For SSI's exec cmd the output is
// collected into the page's brigade instead. A failed write means the client
// is gone; so do a reset connection and an aborted HTTP/2 stream, which the
// caller reports with ClientGone().
#pragma once

#include <cstddef>

#include "glue/httpd_includes.h"

namespace cppcgi {

class ResponseOutput {
 public:
  // `collect_into`: SSI exec cmd's brigade, or null for a response.
  ResponseOutput(request_rec* r, apr_bucket_brigade* collect_into);
  ResponseOutput(const ResponseOutput&) = delete;
  ResponseOutput& operator=(const ResponseOutput&) = delete;

  // Passes (or holds, or collects) a piece of the body; false if the client is gone.
  bool Pass(const char* data, size_t len);
  // Holds what follows, up to `limit` bytes, until the end of the response or
  // until `until` (0: no deadline); beyond the limit it is streamed.
  void Hold(size_t limit, apr_time_t until);
  // When a hold with a deadline ends (0: no such hold).
  apr_time_t hold_until() const { return holding_ ? hold_until_ : 0; }
  // Stops holding and passes what was held on; false if the client is gone.
  bool ReleaseHeld();
  // Something was passed on that was not flushed yet.
  bool unflushed() const { return unflushed_; }
  // Flushes what was passed on, before a wait.
  void Flush();
  // The response is complete: what was held and the end of the response.
  void End();
  // The response is broken after its headers: what was held goes out, then
  // a 502 error bucket, which makes httpd's chunk filter omit the last chunk
  // and close the connection.
  void CutOff();

  // The client is gone (`why`, for CPPCGI0013); the first reason is kept.
  void ClientGone(const char* why) {
    if (gone_ == nullptr) gone_ = why;
  }
  const char* gone() const { return gone_; }

 private:
  bool PassOn();

  request_rec* r_;
  conn_rec* c_;
  apr_bucket_brigade* collect_into_;
  apr_bucket_brigade* out_;
  apr_bucket_brigade* held_ = nullptr;
  size_t held_bytes_ = 0;
  size_t hold_limit_ = 0;
  apr_time_t hold_until_ = 0;
  bool holding_ = false;
  bool unflushed_ = false;
  const char* gone_ = nullptr;
};

}  // namespace cppcgi
