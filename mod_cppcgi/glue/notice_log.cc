// SPDX-License-Identifier: Apache-2.0
#include "glue/notice_log.h"

#include <string>

namespace cppcgi {

int HttpdLogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kCritical: return APLOG_CRIT;
    case LogLevel::kError: return APLOG_ERR;
    case LogLevel::kWarning: return APLOG_WARNING;
    case LogLevel::kInfo: return APLOG_INFO;
  }
  return APLOG_ERR;
}

void LogNotice(const server_rec* s, Notice notice, std::string_view text, apr_status_t os_error) {
  const NoticeSpec& spec = SpecOf(notice);
  // Said at startup also on the console, where apachectl shows it.
  int level = HttpdLogLevel(spec.level) | (spec.at_startup ? APLOG_STARTUP : 0);
  std::string line = NoticeLine(notice, text);
  ap_log_error(APLOG_MARK, level, os_error, s, "%s", line.c_str());
}

void LogNotice(const request_rec* r, Notice notice, std::string_view text, apr_status_t os_error) {
  std::string line = NoticeLine(notice, text);
  ap_log_rerror(APLOG_MARK, HttpdLogLevel(SpecOf(notice).level), os_error, r, "%s", line.c_str());
}

}  // namespace cppcgi
