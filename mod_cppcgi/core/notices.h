// SPDX-License-Identifier: Apache-2.0
// The error-log lines at warning level or above that are neither a request's
// failure (core/failure.h) nor a check's refusal (core/script_check.h): the
// helper pool's, the configuration's, SSI's, and a helper's own. Each has its
// id, its level and what to do about it, in this one table, so that every
// such line ends with "; fix: ..." and a unit test can walk them all.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/failure.h"

namespace cppcgi {

enum class Notice : uint8_t {
  // Request path (00xx)
  kStderrLimit,          // CppCgiStderrLimit reached
  kInternal,             // an exception reached a hook boundary
  kSsiIncludeFailed,     // exec cgi: the subrequest failed
  kSsiQueryOrPathInfo,   // exec cgi with a query string or path info
  kSsiNotAFile,          // exec cgi names no regular file
  kSsiNoArgument,        // an exec element with no parameter
  kSsiNotAllowed,        // exec under Options IncludesNOEXEC
  kSsiCmdUnderSuexec,    // exec cmd where suEXEC applies
  kSsiUnknownParameter,  // exec with a parameter other than cmd or cgi
  kSsiExecFailed,        // exec cmd or cgi failed (after the line that says why)
  kSuexecUnsignallable,  // a helper could not keep CAP_KILL
  // Helper pool (01xx)
  kPoolStartFailed,      // the pool could not be set up at startup
  kHelperStartFailed,    // a helper exited at its start: not replaced
  kHelperDied,           // a helper ended unexpectedly: replaced
  kHelperOrphans,        // a dead helper's scripts were killed
  kHelperForkFailed,     // fork() of a helper failed
  kHelperSetupFailed,    // a helper could not switch to User / Group
  kHelperEventLoop,      // inside a helper: its event loop's system calls failed
  kHelperAccept,         // inside a helper: accept() failed
  kHelperRefusedPeer,    // inside a helper: a connection from another uid
  kHelperBadRequest,     // inside a helper: a worker's request was malformed
  kHelperForeignRequest, // inside a helper: a request without the worker key
  kHelperReplyFailed,    // inside a helper: a worker could not be answered
  kWarmPythonFailed,     // inside a helper: a warm Python process failed (CppCgiPythonPreload)
  // Configuration (02xx)
  kConflict,             // mod_cgi or mod_cgid loaded as well
  kCompatDirective,      // accepted for compatibility, no effect
  kCompatValue,          // a ScriptLog* value read as mod_cgi reads it
};
inline constexpr size_t kNoticeCount = static_cast<size_t>(Notice::kCompatValue) + 1;

struct NoticeSpec {
  int id;           // CPPCGIxxxx
  LogLevel level;   // kCritical, kError or kWarning
  std::string_view fix;  // what to do about it, or the directive that governs it
  bool at_startup = false;  // said while httpd starts: also on its console, where apachectl shows it
};

const NoticeSpec& SpecOf(Notice notice);
// "<text>; fix: <fix>"
std::string WithFix(Notice notice, std::string_view text);
// "CPPCGIxxxx: <text>; fix: <fix>", the whole error-log line.
std::string NoticeLine(Notice notice, std::string_view text);

}  // namespace cppcgi
