// SPDX-License-Identifier: Apache-2.0
#include "glue/body_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "glue/failure_report.h"

namespace cppcgi {
namespace {

constexpr size_t kMemoryLimit = 128 * 1024;

UniqueFd OpenTempFile() {
  const char* dir = std::getenv("TMPDIR");
  if (dir == nullptr || *dir == '\0') dir = "/tmp";
  return UniqueFd(::open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
}

bool WriteAll(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

int SpoolFailed(request_rec* r, int err) {
  return RecordFailure(r, Fault::kBodySpool,
                       std::string("cannot spool the request body for ") + r->filename + " to a temporary file",
                       APR_FROM_OS_ERROR(err));
}

}  // namespace

int BodyReadFailed(request_rec* r, apr_status_t rv) {
  int status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
  // AP_FILTER_ERROR: an input filter has answered already (over
  // LimitRequestBody 413, a malformed chunk 400), and r->status says which.
  bool answered = status == AP_FILTER_ERROR;
  int shown = answered ? r->status : status;
  RecordFailure(r, shown == HTTP_REQUEST_ENTITY_TOO_LARGE ? Fault::kBodyTooLarge : Fault::kBodyRead,
                std::string("reading the request body for ") + r->filename + " failed (status " +
                    std::to_string(shown) + ")",
                answered ? APR_SUCCESS : rv);
  return status;
}

bool HasBodyOfUnknownLength(request_rec* r) {
  return apr_table_get(r->headers_in, "Content-Length") == nullptr &&
         apr_table_get(r->headers_in, "Transfer-Encoding") != nullptr;
}

bool HasNoRequestBody(request_rec* r) {
  if (r->main != nullptr || r->connection->master != nullptr || r->proto_num >= 2000) return false;
  if (apr_table_get(r->headers_in, "Transfer-Encoding") != nullptr) return false;
  const char* length = apr_table_get(r->headers_in, "Content-Length");
  return length == nullptr || std::strcmp(length, "0") == 0;
}

int SpoolRequestBody(request_rec* r, SpooledBody* out) {
  out->spooled = true;
  apr_bucket_brigade* bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
  bool done = false;
  while (!done) {
    apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES, APR_BLOCK_READ, 65536);
    if (rv != APR_SUCCESS) {
      return BodyReadFailed(r, rv);
    }
    for (apr_bucket* b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
      if (APR_BUCKET_IS_EOS(b)) {
        done = true;
        break;
      }
      const char* data;
      apr_size_t len;
      if (apr_bucket_read(b, &data, &len, APR_BLOCK_READ) != APR_SUCCESS) continue;
      out->length += static_cast<apr_off_t>(len);
      if (!out->file && out->memory.size() + len <= kMemoryLimit) {
        out->memory.append(data, len);
        continue;
      }
      if (!out->file) {
        out->file = OpenTempFile();
        if (!out->file || !WriteAll(out->file.get(), out->memory.data(), out->memory.size())) {
          return SpoolFailed(r, errno);
        }
        out->memory.clear();
        out->memory.shrink_to_fit();
      }
      if (!WriteAll(out->file.get(), data, len)) {
        return SpoolFailed(r, errno);
      }
    }
    apr_brigade_cleanup(bb);
  }
  if (out->file && ::lseek(out->file.get(), 0, SEEK_SET) != 0) return SpoolFailed(r, errno);
  return OK;
}

}  // namespace cppcgi
