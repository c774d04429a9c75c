// SPDX-License-Identifier: Apache-2.0
// A running script's stderr, from the worker's side: each line becomes one
// error-log line (CPPCGI0001) with the client, up to CppCgiStderrLimit
// (CPPCGI0020 says when that is reached); the last lines are kept for the
// developer error page and, with ScriptLog, all of it (up to a cap). The
// suEXEC wrapper's refusal notice is held back until the run shows whether
// the wrapper refused (CPPCGI0024 then says more).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "core/line_splitter.h"
#include "core/unique_fd.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

class ScriptStderr {
 public:
  // `limit`: bytes logged (0: no limit); `keep_bytes`: bytes kept for ScriptLog (0: none).
  ScriptStderr(request_rec* r, int64_t limit, int64_t keep_bytes, bool suexec)
      : r_(r), limit_(limit), keep_bytes_(keep_bytes), suexec_(suexec) {}

  void Attach(UniqueFd pipe) { pipe_ = std::move(pipe); }
  bool open() const { return pipe_.valid(); }
  int fd() const { return pipe_.get(); }

  // Reads what is there (the pipe is non-blocking) and logs its lines;
  // closes the pipe at its end. `stdout_seen`: the script has written to
  // stdout (then no line can be the wrapper's refusal).
  void Read(bool stdout_seen);
  // Logs a last unterminated line and closes the pipe (the output is over).
  void Close(bool stdout_seen);
  // The run showed that the wrapper refused (its exit code): its notice is
  // replaced by CPPCGI0024, not logged.
  void DropSuexecNotice() { held_suexec_notice_ = false; }
  // At the run's end: a notice held back that was not a refusal is logged.
  void Finish();

  const std::deque<std::string>& tail() const { return tail_; }
  const std::string& kept() const { return kept_; }

 private:
  void OnLine(std::string_view line, bool stdout_seen);
  void Write(std::string_view line);

  request_rec* r_;
  int64_t limit_;
  int64_t keep_bytes_;
  bool suexec_;
  UniqueFd pipe_;
  LineSplitter lines_;
  std::deque<std::string> tail_;
  std::string kept_;
  int64_t logged_ = 0;
  bool held_suexec_notice_ = false;
};

}  // namespace cppcgi
