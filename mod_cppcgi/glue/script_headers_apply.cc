// SPDX-License-Identifier: Apache-2.0
#include "glue/script_headers_apply.h"

#include <strings.h>

#include <algorithm>
#include <cstring>

#include "core/script_headers.h"

namespace cppcgi {
namespace {

// Feeds the framed header lines to httpd's own parser, one per call.
struct HeaderLines {
  std::vector<std::string_view> lines;
  size_t next = 0;
  bool blank_sent = false;
};

int NextHeaderLine(char* buf, int len, void* data) {
  auto* h = static_cast<HeaderLines*>(data);
  std::string_view line;
  if (h->next < h->lines.size()) {
    line = h->lines[h->next++];
  } else if (!h->blank_sent) {
    h->blank_sent = true;  // the blank line that ended the section
  } else {
    return 0;
  }
  size_t n = std::min(line.size(), static_cast<size_t>(len) - 2);
  if (n > 0) std::memcpy(buf, line.data(), n);  // the blank line's view has no data (memcpy of null is UB)
  buf[n] = '\n';
  buf[n + 1] = '\0';
  return 1;
}

HeaderOutcome Refused(int status, std::string failure) {
  return HeaderOutcome{false, status, nullptr, std::move(failure)};
}

}  // namespace

HeaderOutcome ApplyScriptHeaders(request_rec* r, const std::vector<std::string_view>& lines) {
  for (std::string_view line : lines) {
    if (IsTransferEncodingLine(line)) {
      return Refused(HTTP_BAD_GATEWAY, std::string("script ") + r->filename +
                                           " sent a Transfer-Encoding header; the server frames the response "
                                           "itself, so this is refused (502). Remove the header from the script");
    }
    if (Status st = ValidateHeaderLine(line); !st.ok()) {
      std::string shown(line.substr(0, 30));
      return Refused(HTTP_INTERNAL_SERVER_ERROR, std::string("malformed header from script ") + r->filename + ": " +
                                                     st.message() + ": " + ap_escape_logitem(r->pool, shown.c_str()));
    }
  }
  HeaderLines feed{lines};
  char buffer[MAX_STRING_LEN];
  int ret = ap_scan_script_header_err_core_ex(r, buffer, NextHeaderLine, &feed, APLOG_MODULE_INDEX);
  if (ret != OK) {
    // 304/412 from the conditional-request check, or 500 for a bad header
    // (httpd has logged which). Either way the rest of the output is dropped.
    if (ret == HTTP_NOT_MODIFIED) {
      r->status = ret;
      return HeaderOutcome{false, OK, nullptr, {}};
    }
    return HeaderOutcome{false, ret, nullptr, {}};
  }
  // CVE-2024-24795: a script's Content-Length must not frame the response
  // (a wrong one desynchronises keep-alive clients). mod_cgi drops it unless
  // the ap_trust_cgilike_cl variable is set; so do we. (httpd's shared parser
  // keeps it: the dropping is in mod_cgi's own handler.)
  if (apr_table_get(r->subprocess_env, AP_TRUST_CGILIKE_CL_ENVVAR) == nullptr) {
    apr_table_unset(r->headers_out, "Content-Length");
    apr_table_unset(r->err_headers_out, "Content-Length");
  }
  const char* location = apr_table_get(r->headers_out, "Location");
  if (location != nullptr && r->status == HTTP_OK) {
    if (location[0] == '/') return HeaderOutcome{false, OK, apr_pstrdup(r->pool, location), {}};  // §6.2.2
    return HeaderOutcome{false, HTTP_MOVED_TEMPORARILY, nullptr, {}};                            // §6.2.3
  }
  return HeaderOutcome{true, OK, nullptr, {}};
}

std::string SendInterimResponse(request_rec* r, const std::vector<std::string_view>& lines, int code, int* count) {
  constexpr int kMaxInterim = 8;  // an interim flood is a broken script (cf. CVE-2008-2364)
  std::string refused;
  if (++*count > kMaxInterim) refused = "more than " + std::to_string(kMaxInterim) + " interim (1xx) responses";
  for (std::string_view line : lines) {
    if (!refused.empty()) break;
    if (Status st = ValidateHeaderLine(line, true); !st.ok()) refused = st.message() + ": " + std::string(line.substr(0, 30));
  }
  if (!refused.empty()) return ap_escape_logitem(r->pool, refused.c_str());
  // httpd sends r->status_line and r->headers_out, then clears the headers.
  apr_table_t* saved = r->headers_out;
  r->headers_out = apr_table_make(r->pool, 4);
  for (std::string_view line : lines) {
    size_t colon = line.find(':');
    std::string name(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    if (strcasecmp(name.c_str(), "Status") == 0) {
      r->status_line = apr_pstrmemdup(r->pool, value.data(), value.size());
    } else {
      apr_table_add(r->headers_out, name.c_str(), std::string(value).c_str());
    }
  }
  r->status = code;
  if (r->status_line == nullptr || std::string_view(r->status_line).size() <= 3) {
    const char* reason = code == 100 ? "Continue" : code == 102 ? "Processing" : code == 103 ? "Early Hints" : "";
    r->status_line = apr_psprintf(r->pool, "%d %s", code, reason);
  }
  ap_send_interim_response(r, 1);
  r->status = HTTP_OK;
  r->status_line = nullptr;
  r->headers_out = saved;
  return {};
}

}  // namespace cppcgi
