// SPDX-License-Identifier: Apache-2.0
// What a script's header section (RFC 3875 §6) makes of the response. The
// section's lines were framed by core/script_headers.h; here they are checked
// further (no Transfer-Encoding, well-formed lines), applied to request_rec
// by httpd's own parser (Status, Location, Content-Type, conditional
// requests), and turned into what happens next: the body follows, or the
// rest of the output is dropped for a redirect, a 304, or an error. A 1xx
// section is sent on as an interim response.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "glue/httpd_includes.h"

namespace cppcgi {

struct HeaderOutcome {
  bool body = false;                     // the response body follows; else the output is dropped
  int final_status = OK;                 // what the handler returns when the output is dropped
  const char* local_redirect = nullptr;  // an internal redirect to this path (RFC 3875 §6.2.2)
  std::string failure;                   // why the header section is refused (names the file), or empty
};

// A complete final header section.
HeaderOutcome ApplyScriptHeaders(request_rec* r, const std::vector<std::string_view>& lines);

// A 1xx section (`code`) sent to the client as an interim response; if it
// is refused, what is wrong with it (escaped for the log). `count`: interim sections so far.
std::string SendInterimResponse(request_rec* r, const std::vector<std::string_view>& lines, int code, int* count);

}  // namespace cppcgi
