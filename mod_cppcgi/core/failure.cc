// SPDX-License-Identifier: Apache-2.0
#include "core/failure.h"

#include <array>
#include <cstdio>

namespace cppcgi {
namespace {

constexpr FaultSpec Spec(Fault f) {
  using L = LogLevel;
  using M = FaultMetric;
  switch (f) {
    case Fault::kExecCgiOff: return {2, L::kError, 403, M::kNone, "Options +ExecCGI for its directory, or map the URL with ScriptAlias"};
    case Fault::kNotFound: return {3, L::kError, 404, M::kNone, "check the URL, and that the file exists where the configuration maps it"};
    case Fault::kIsDirectory: return {4, L::kError, 403, M::kNone, "map the URL to a script, or give the directory a DirectoryIndex"};
    case Fault::kPathInfoOff: return {5, L::kError, 404, M::kNone, "AcceptPathInfo On for its directory, if the script takes path info"};
    case Fault::kNphIncluded: return {19, L::kError, 403, M::kNone, "include a script whose name does not start with nph-"};
    case Fault::kDashArgument: return {22, L::kError, 400, M::kNone, "use name=value queries (a query with an = is never split into arguments)"};
    case Fault::kBodyRead: return {15, L::kInfo, 400, M::kNone, ""};
    case Fault::kBodyTooLarge: return {30, L::kInfo, 413, M::kNone, ""};
    case Fault::kBodySpool: return {29, L::kError, 500, M::kNone, "make TMPDIR (or /tmp) writable by the server's user, with room for the body; or CppCgiRequestBody stream"};
    case Fault::kNoPool: return {26, L::kError, 503, M::kPoolUnreachable, "see why it did not start: CPPCGI0101 and CPPCGI0105 at startup"};
    case Fault::kHandoff: return {6, L::kError, 503, M::kPoolUnreachable, "see CPPCGI0102 and CPPCGI0103 (helpers dying or not starting), and that DefaultRuntimeDir is intact"};
    case Fault::kHelperSilent: return {27, L::kError, 503, M::kPoolUnreachable, "see CPPCGI0102 for why the helper ended; the request may be retried by the client"};
    case Fault::kRequestTooLarge: return {28, L::kError, 500, M::kExecFailed, "send fewer or shorter environment variables (SetEnv, request headers) or arguments"};
    case Fault::kBusy: return {18, L::kWarning, 503, M::kBusy, "raise CppCgiMaxScripts or CppCgiMaxScriptsTotal, or add capacity"};
    case Fault::kSpawnFailed: return {7, L::kError, 500, M::kExecFailed, "check the script with cppcgi-doctor, and the RLimitNPROC/RLimitMEM that apply"};
    case Fault::kSuexecRefused: return {24, L::kError, 500, M::kExecFailed, "see suEXEC's log, and check the script with cppcgi-doctor --suexec USER:GROUP"};
    case Fault::kHelperProtocol: return {16, L::kError, 502, M::kHelperFault, "none needed: the helper is replaced (CPPCGI0106); report it if it recurs"};
    case Fault::kNoHeaders: return {8, L::kError, 500, M::kNoHeaders, "make the script print its headers and a blank line first; its stderr (CPPCGI0001) says why it stopped"};
    case Fault::kBadHeaders: return {9, L::kError, 500, M::kBadHeaders, "fix the header lines the script prints (Name: value, then a blank line)"};
    case Fault::kIdleTimeout: return {10, L::kError, 504, M::kIdleTimeout, "raise CppCgiIdleTimeout (or CGIScriptTimeout) for its directory if the script needs longer"};
    case Fault::kRunTime: return {17, L::kError, 504, M::kRunTime, "raise CppCgiMaxRunTime for its directory if the script needs longer"};
    case Fault::kKilledAfterHeaders: return {23, L::kError, 500, M::kNone, "see the script's stderr (CPPCGI0001), and the RLimitCPU/RLimitMEM that apply"};
    case Fault::kPollFailed: return {12, L::kError, 500, M::kNone, "see the error; the server is short of a resource (descriptors, memory)"};
    case Fault::kClientGone: return {13, L::kInfo, 400, M::kClientGone, ""};
    case Fault::kSendfileMissing: return {31, L::kError, 404, M::kNone, "make the script name an existing file under one of the CppCgiXSendFilePath directories"};
    case Fault::kSendfileRefused: return {32, L::kError, 403, M::kNone, "name a regular file under a CppCgiXSendFilePath directory (add one for it), without . or .. and without a symbolic link that leads out of it, readable by the server's user"};
    case Fault::kSendfileFailed: return {33, L::kError, 500, M::kNone, "check that the CppCgiXSendFilePath directory exists and the server's user can search it"};
  }
  return {14, LogLevel::kError, 500, FaultMetric::kNone, "report it"};
}

constexpr std::array<FaultSpec, kFaultCount> MakeTable() {
  std::array<FaultSpec, kFaultCount> t{};
  for (size_t i = 0; i < kFaultCount; ++i) t[i] = Spec(static_cast<Fault>(i));
  return t;
}

constexpr std::array<FaultSpec, kFaultCount> kTable = MakeTable();

// No two faults share an id.
constexpr bool IdsDistinct() {
  for (size_t i = 0; i < kFaultCount; ++i)
    for (size_t j = i + 1; j < kFaultCount; ++j)
      if (kTable[i].id == kTable[j].id) return false;
  return true;
}
static_assert(IdsDistinct(), "two faults share a log id");

}  // namespace

const FaultSpec& SpecOf(Fault fault) { return kTable[static_cast<size_t>(fault)]; }

std::string FaultLogPrefix(Fault fault) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "CPPCGI%04d: ", SpecOf(fault).id);
  return buf;
}

}  // namespace cppcgi
