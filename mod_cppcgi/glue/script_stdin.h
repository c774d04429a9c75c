// SPDX-License-Identifier: Apache-2.0
// The request body on its way to a script's stdin. It is read from httpd's
// input filters a chunk at a time, as the script takes it (in full duplex
// with the script's output, so neither side can stall the other); or it was
// read in advance (body_spool.h: in memory, or a file that is the script's
// stdin itself); or there is none, and stdin is /dev/null. The script may
// stop reading (RFC 3875 §4.2): the rest is left for httpd to discard. The
// start of the body is kept for ScriptLog.
#pragma once

#include <cstdint>
#include <string>

#include "core/unique_fd.h"
#include "glue/body_spool.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

// stdin for a script that gets no request body: /dev/null, opened once per
// process (child_init opens it, so that it is not a late fd). Reads EOF at
// once, as a pipe closed at once would, for no pipe, fcntl and close per
// request. -1 if it cannot be opened (a pipe is used then).
int NullInput();

class ScriptStdin {
 public:
  // `keep_bytes`: how much of the body to keep for ScriptLog (0: none).
  ScriptStdin(request_rec* r, int64_t keep_bytes);
  ScriptStdin(const ScriptStdin&) = delete;
  ScriptStdin& operator=(const ScriptStdin&) = delete;

  // Before the start: the body read in advance, if it was.
  void Prepare(SpooledBody body);
  // What the script gets as stdin itself (a spooled body's file, /dev/null),
  // or -1: a pipe, whose write end is then Attach()ed and fed.
  int stdin_file() const;
  void Attach(UniqueFd pipe) { pipe_ = std::move(pipe); }
  // The script has started: the spool file is its own now.
  void Started();
  // SSI exec cmd: the page's request body is not the command's; it reads EOF.
  void NoBody();

  // Reads the next chunk from the client when all before it was written;
  // false if that failed (error() is then the HTTP status).
  bool Fill();
  // Writes what it can without blocking; true if the body moved on.
  bool Write();
  // There is something to write (poll the pipe for POLLOUT).
  bool wants_write() const { return pipe_ && off_ < pending_.size(); }
  // Nothing more will be read from the client connection.
  bool all_read() const { return done_ || !pipe_; }
  int fd() const { return pipe_.get(); }
  // EOF on the script's stdin.
  void Close() { pipe_.reset(); }

  int error() const { return error_; }
  const std::string& head() const { return head_; }

 private:
  void Keep(std::string_view data);

  request_rec* r_;
  int64_t keep_bytes_;
  apr_bucket_brigade* in_ = nullptr;
  UniqueFd pipe_;
  UniqueFd spool_file_;  // a spooled body, until the script has it
  bool spooled_ = false;
  std::string pending_;  // read from the client, not yet all written
  size_t off_ = 0;
  bool done_ = false;    // the whole body was read (or there is none)
  int error_ = OK;
  std::string head_;     // the start of the body, for ScriptLog
};

}  // namespace cppcgi
