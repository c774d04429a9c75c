// SPDX-License-Identifier: Apache-2.0
#include "glue/script_stdin.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>


namespace cppcgi {
namespace {

constexpr apr_off_t kBodyChunk = 65536;

}  // namespace

int NullInput() {
  static const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd;
}

ScriptStdin::ScriptStdin(request_rec* r, int64_t keep_bytes) : r_(r), keep_bytes_(keep_bytes) {}

void ScriptStdin::Keep(std::string_view data) {
  size_t limit = static_cast<size_t>(keep_bytes_);
  if (head_.size() < limit) head_.append(data.substr(0, limit - head_.size()));
}

void ScriptStdin::Prepare(SpooledBody body) {
  spool_file_ = std::move(body.file);
  if (spool_file_ && keep_bytes_ > 0) {
    std::string head(static_cast<size_t>(keep_bytes_), '\0');
    ssize_t n = ::pread(spool_file_.get(), head.data(), head.size(), 0);
    if (n > 0) Keep(std::string_view(head.data(), static_cast<size_t>(n)));
  }
  if (body.spooled) {
    spooled_ = true;
    done_ = true;  // nothing more to read from the client
    Keep(body.memory);
    pending_ = std::move(body.memory);
  } else if (HasNoRequestBody(r_)) {
    done_ = true;  // stdin is /dev/null: no pipe to feed
  }
}

int ScriptStdin::stdin_file() const {
  // A spooled body file is the script's stdin itself; no body at all: /dev/null.
  if (spool_file_) return spool_file_.get();
  return done_ && pending_.empty() ? NullInput() : -1;
}

void ScriptStdin::Started() {
  spool_file_.reset();  // the script has its own descriptor of it now
  if (spooled_ && pending_.empty()) pipe_.reset();  // EOF at once (or stdin is the file)
  in_ = apr_brigade_create(r_->pool, r_->connection->bucket_alloc);
}

void ScriptStdin::NoBody() {
  done_ = true;
  pipe_.reset();
}

bool ScriptStdin::Fill() {
  if (!pipe_ || done_ || off_ < pending_.size()) return true;
  pending_.clear();
  off_ = 0;
  apr_status_t rv = ap_get_brigade(r_->input_filters, in_, AP_MODE_READBYTES, APR_BLOCK_READ, kBodyChunk);
  if (rv != APR_SUCCESS) {
    error_ = BodyReadFailed(r_, rv);
    apr_brigade_cleanup(in_);
    return false;
  }
  for (apr_bucket* b = APR_BRIGADE_FIRST(in_); b != APR_BRIGADE_SENTINEL(in_); b = APR_BUCKET_NEXT(b)) {
    if (APR_BUCKET_IS_EOS(b)) {
      done_ = true;
      break;
    }
    const char* data;
    apr_size_t len;
    if (apr_bucket_read(b, &data, &len, APR_BLOCK_READ) == APR_SUCCESS) {
      pending_.append(data, len);
      Keep(std::string_view(data, len));
    }
  }
  apr_brigade_cleanup(in_);
  if (done_ && pending_.empty()) pipe_.reset();  // EOF on the script's stdin
  return true;
}

bool ScriptStdin::Write() {
  bool moved = false;
  while (off_ < pending_.size()) {
    ssize_t n = ::write(pipe_.get(), pending_.data() + off_, pending_.size() - off_);
    if (n > 0) {
      off_ += static_cast<size_t>(n);
      moved = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return moved;
    // EPIPE: the script does not want (the rest of) the body. That is its right
    // (RFC 3875 §4.2); httpd discards the rest of the request body later.
    pipe_.reset();
    pending_.clear();
    off_ = 0;
    return moved;
  }
  if (done_) pipe_.reset();
  return moved;
}

}  // namespace cppcgi
