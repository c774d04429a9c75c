// SPDX-License-Identifier: Apache-2.0
// ScriptLog (mod_cgi's debugging log of failed scripts): where an entry goes
// and what it is made of. The format is core/script_log.h's.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/config.h"
#include "core/script_log.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

// Bytes of the request body to keep for an entry: 0 when ScriptLog is off.
int64_t ScriptLogBodyBytes(const ScriptLogSettings& log);
// Bytes of each of stdout and stderr to keep for an entry: 0 when ScriptLog is off.
int64_t ScriptLogOutputBytes(const ScriptLogSettings& log);

// A request refused or failed before its script ran.
void ScriptLogError(request_rec* r, int status, std::string_view error);

// A script that ran and failed before its response started. The request
// headers are added here (credentials masked).
void ScriptLogFailedRun(request_rec* r, int status, ScriptLogRun run);

}  // namespace cppcgi
