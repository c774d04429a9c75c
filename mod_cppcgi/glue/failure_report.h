// SPDX-License-Identifier: Apache-2.0
// Recording a failure on the request path: the one call that writes its
// error-log line (the fault's id and level, core/failure.h), adds to its
// counter, and gives the HTTP status the request gets.
#pragma once

#include <string_view>

#include "core/failure.h"
#include "core/script_check.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

// `text` says what failed and names the file; it follows the id on the
// error-log line. `os_error`, if not 0, is appended by httpd (strerror).
// Returns the fault's HTTP status.
int RecordFailure(request_rec* r, Fault fault, std::string_view text, apr_status_t os_error = 0);

// A script that a check refused before it ran (core/script_check.h): its
// line ("<id>: <problem>; fix: <fix>") and its counter.
void RecordRefusal(request_rec* r, const Refusal& refusal);

}  // namespace cppcgi
