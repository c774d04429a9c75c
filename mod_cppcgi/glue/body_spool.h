// SPDX-License-Identifier: Apache-2.0
// Request bodies of unknown length (chunked, or HTTP/2 without
// content-length) are read completely before the script starts, so that
// CONTENT_LENGTH can be set as RFC 3875 §4.1.2 requires (httpd's mod_cgi
// leaves it unset). Small bodies stay in memory; larger ones go to an
// unlinked temporary file that becomes the script's stdin as is. httpd's
// LimitRequestBody bounds the total (413).
#pragma once

#include <string>

#include "core/unique_fd.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

struct SpooledBody {
  bool spooled = false;  // false: stream the body as it arrives
  std::string memory;    // the body, when it fit in memory
  UniqueFd file;         // the body, positioned at 0, when it did not
  apr_off_t length = 0;
};

// True for a request body whose length the request does not state.
bool HasBodyOfUnknownLength(request_rec* r);

// True for an HTTP/1.x request that has no body: neither Content-Length nor
// Transfer-Encoding (RFC 9112 §6.3), or Content-Length: 0. Its script's
// stdin can be /dev/null. False for subrequests and HTTP/2 streams.
bool HasNoRequestBody(request_rec* r);

// Reads the whole body. Returns OK, or the HTTP status for a failed read.
int SpoolRequestBody(request_rec* r, SpooledBody* out);

// Reading the request body failed with `rv`: recorded (glue/failure_report.h);
// returns the status the request gets (httpd's mapping of `rv`).
int BodyReadFailed(request_rec* r, apr_status_t rv);

}  // namespace cppcgi
