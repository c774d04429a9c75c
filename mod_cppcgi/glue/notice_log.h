// SPDX-License-Identifier: Apache-2.0
// Writing a notice (core/notices.h): an error-log line at warning level or
// above that is not a request's failure. Its id, level and fix come from the
// table; `text` says what happened and names the file or process.
#pragma once

#include <string_view>

#include "core/notices.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

// httpd's level for one of ours (APLOG_CRIT ... APLOG_INFO).
int HttpdLogLevel(LogLevel level);

// A server's notice (startup, the helper pool, configuration). `os_error`,
// if not 0, is put in by httpd (strerror).
void LogNotice(const server_rec* s, Notice notice, std::string_view text, apr_status_t os_error = 0);
// A request's notice (stderr, SSI).
void LogNotice(const request_rec* r, Notice notice, std::string_view text, apr_status_t os_error = 0);

}  // namespace cppcgi
