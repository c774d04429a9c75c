// SPDX-License-Identifier: Apache-2.0
// Every way a request can fail on the module's request path, each with what
// it means: its log id, the level of its error-log line, the HTTP status the
// request gets (when nothing was sent yet), and the counter it adds to. One
// table, so that a failure is recorded by one call (glue/failure_report.h)
// and no two faults share an id. (A script refused by a check before it runs
// has its own table: core/script_check.h's CheckId, ids 03xx.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cppcgi {

enum class Fault : uint8_t {
  kExecCgiOff,          // Options ExecCGI is off (and no ScriptAlias)
  kNotFound,            // the script does not exist, or cannot be stat'ed
  kIsDirectory,         // the URL maps to a directory
  kPathInfoOff,         // AcceptPathInfo Off and path info given
  kNphIncluded,         // an nph- script inside an SSI page
  kDashArgument,        // an indexed query word starting with '-'
  kBodyRead,            // reading the request body from the client failed (the client's doing: info)
  kBodyTooLarge,        // the request body is over LimitRequestBody
  kBodySpool,           // the request body could not be written to a temporary file
  kNoPool,              // no helper pool is running
  kHandoff,             // no helper could be reached to take the script
  kHelperSilent,        // a helper took the request and went silent
  kRequestTooLarge,     // the request cannot be put in one message to a helper
  kBusy,                // CppCgiMaxScripts / CppCgiMaxScriptsTotal reached
  kSpawnFailed,         // the helper could not start the script
  kSuexecRefused,       // the suEXEC wrapper refused to run it
  kHelperProtocol,      // a helper's answer was malformed or out of turn
  kNoHeaders,           // output ended before the header section was complete
  kBadHeaders,          // a malformed or refused header section
  kIdleTimeout,         // no output within CppCgiIdleTimeout
  kRunTime,             // over CppCgiMaxRunTime
  kKilledAfterHeaders,  // killed by a signal after its headers went out
  kPollFailed,          // waiting on the script's pipes failed
  kClientGone,          // the client went away while the script ran
  kSendfileMissing,     // X-Sendfile names a file that does not exist
  kSendfileRefused,     // X-Sendfile names a path it may not send
  kSendfileFailed,      // X-Sendfile: an allowed directory cannot be opened, or another error
};
inline constexpr size_t kFaultCount = static_cast<size_t>(Fault::kSendfileFailed) + 1;

enum class LogLevel : uint8_t { kCritical, kError, kWarning, kInfo };

// The server-wide counter a fault adds to (core/metrics.h).
enum class FaultMetric : uint8_t {
  kNone,
  kExecFailed,       // FailureReason::kExecFailed
  kNoHeaders,        // FailureReason::kNoHeaders
  kBadHeaders,       // FailureReason::kBadHeaders
  kPoolUnreachable,  // FailureReason::kPoolUnreachable
  kHelperFault,      // FailureReason::kHelperFault
  kBusy,             // cap_rejections
  kIdleTimeout,      // timeouts_idle
  kRunTime,          // timeouts_run_time
  kClientGone,       // client_disconnects
};

struct FaultSpec {
  int id;            // CPPCGI00xx
  LogLevel level;
  int http_status;   // the status when nothing was sent yet
  FaultMetric metric;
  // What to do about it, or the directive that governs it: appended to an
  // error or warning line ("; fix: ..."). Empty only at info level.
  std::string_view fix;
};

const FaultSpec& SpecOf(Fault fault);
// "CPPCGI0008: ", the start of the fault's error-log line.
std::string FaultLogPrefix(Fault fault);

}  // namespace cppcgi
