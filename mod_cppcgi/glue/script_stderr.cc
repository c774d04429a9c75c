// SPDX-License-Identifier: Apache-2.0
#include "glue/script_stderr.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/log_ids.h"
#include "glue/notice_log.h"

namespace cppcgi {
namespace {

// What the suEXEC wrapper writes to stderr when it refuses.
constexpr std::string_view kSuexecNotice = "suexec policy violation: see suexec log for more details";
constexpr size_t kTailLines = 20;
constexpr size_t kTailLineBytes = 1000;

}  // namespace

void ScriptStderr::Read(bool stdout_seen) {
  char buf[8192];
  auto on_line = [this, stdout_seen](std::string_view l) { OnLine(l, stdout_seen); };
  for (;;) {
    ssize_t n = ::read(pipe_.get(), buf, sizeof buf);
    if (n > 0) {
      lines_.Feed(std::string_view(buf, static_cast<size_t>(n)), on_line);
      if (static_cast<size_t>(n) < sizeof buf) return;  // emptied: poll says when there is more
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    lines_.Flush(on_line);
    pipe_.reset();
    return;
  }
}

void ScriptStderr::Close(bool stdout_seen) {
  if (!pipe_) return;
  lines_.Flush([this, stdout_seen](std::string_view l) { OnLine(l, stdout_seen); });
  pipe_.reset();
}

void ScriptStderr::Finish() {
  if (!held_suexec_notice_) return;
  held_suexec_notice_ = false;
  Write(kSuexecNotice);
}

void ScriptStderr::OnLine(std::string_view line, bool stdout_seen) {
  if (suexec_ && !held_suexec_notice_ && !stdout_seen && line == kSuexecNotice) {
    held_suexec_notice_ = true;
    return;
  }
  Write(line);
}

void ScriptStderr::Write(std::string_view line) {
  if (keep_bytes_ > 0) {
    size_t room = static_cast<size_t>(keep_bytes_) - std::min(kept_.size(), static_cast<size_t>(keep_bytes_));
    kept_.append(line.substr(0, room));
    if (kept_.size() < static_cast<size_t>(keep_bytes_)) kept_.push_back('\n');
  }
  tail_.emplace_back(line.substr(0, kTailLineBytes));
  if (tail_.size() > kTailLines) tail_.pop_front();
  if (limit_ > 0) {
    if (logged_ >= limit_) return;
    logged_ += static_cast<int64_t>(line.size()) + 1;
    if (logged_ >= limit_) {
      LogNotice(r_, Notice::kStderrLimit,
                std::string("stderr of ") + r_->filename + " reached CppCgiStderrLimit (" + std::to_string(limit_) +
                    " bytes); the rest of it is read but not logged");
      return;
    }
  }
  std::string text(line);
  ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_, CPPCGI_STDERR "stderr from %s: %s", r_->filename,
                ap_escape_logitem(r_->pool, text.c_str()));
}

}  // namespace cppcgi
