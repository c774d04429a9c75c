// SPDX-License-Identifier: Apache-2.0
#include "core/notices.h"

#include <array>
#include <cstdio>

namespace cppcgi {
namespace {

constexpr NoticeSpec Spec(Notice n) {
  using L = LogLevel;
  switch (n) {
    case Notice::kStderrLimit: return {20, L::kWarning, "raise CppCgiStderrLimit for its directory (0: no limit), or have the script write less to stderr"};
    case Notice::kInternal: return {14, L::kCritical, "report it as a bug in mod_cppcgi, with the lines logged around it"};
    case Notice::kSsiIncludeFailed: return {19, L::kError, "make the URL in exec cgi one this page may run as a CGI script; the line logged for it says why not"};
    case Notice::kSsiQueryOrPathInfo: return {19, L::kError, "drop the query string and path info from exec cgi (the script sees the page's own), or use include virtual"};
    case Notice::kSsiNotAFile: return {19, L::kError, "make exec cgi name a script file"};
    case Notice::kSsiNoArgument: return {19, L::kError, "give the exec element cmd=\"...\" or cgi=\"...\""};
    case Notice::kSsiNotAllowed: return {19, L::kError, "Options +Includes (not IncludesNOEXEC) for the page's directory, or include virtual instead of exec"};
    case Notice::kSsiCmdUnderSuexec: return {19, L::kError, "use exec cgi with a script (it runs through suEXEC) instead of exec cmd"};
    case Notice::kSsiUnknownParameter: return {19, L::kError, "exec takes cmd=\"...\" or cgi=\"...\""};
    case Notice::kSsiExecFailed: return {19, L::kError, "see the line logged before this one for the cause"};
    case Notice::kSuexecUnsignallable: return {25, L::kWarning, "start httpd as root with CAP_KILL in its bounding set (a container: --cap-add KILL)"};
    case Notice::kPoolStartFailed: return {101, L::kCritical, "see the error (the socket lives in DefaultRuntimeDir, which must exist and be writable by root)", true};
    case Notice::kHelperStartFailed: return {101, L::kCritical, "see the CPPCGI0105 line logged before this one"};
    case Notice::kHelperDied: return {102, L::kError, "none if it is rare (a new helper takes its place); if it recurs, look for the OOM killer in the kernel log (dmesg) and report a crash as a bug"};
    case Notice::kHelperOrphans: return {102, L::kError, "none: their requests failed with CPPCGI0027; the CPPCGI0102 line before this one says how the helper ended"};
    case Notice::kHelperForkFailed: return {103, L::kCritical, "the system is short of processes or memory (see the error): raise the limit on processes for httpd's user, or free memory"};
    case Notice::kHelperSetupFailed: return {105, L::kCritical, "check that User and Group exist, and that httpd starts as root"};
    case Notice::kHelperEventLoop: return {104, L::kError, "the system is short of file descriptors or memory: raise httpd's open-file limit (LimitNOFILE in its systemd unit), or free memory"};
    case Notice::kHelperAccept: return {104, L::kWarning, "if it recurs: raise httpd's open-file limit (LimitNOFILE in its systemd unit)"};
    case Notice::kHelperRefusedPeer: return {104, L::kWarning, "only httpd's User may connect to the helpers' socket: find the process of that uid that tried"};
    case Notice::kHelperBadRequest: return {104, L::kError, "only httpd's workers should write to the helpers' socket: find what else did; if it was a worker, report it as a bug"};
    case Notice::kHelperForeignRequest: return {104, L::kWarning, "a process running as User (a CGI script, most likely) tried to have a helper run a program: find it by its pid; only httpd's workers can give helpers work"};
    case Notice::kHelperReplyFailed: return {104, L::kWarning, "none if it is rare (the worker gave up first, e.g. its client left); if it recurs, look at the load on the server"};
    case Notice::kWarmPythonFailed: return {104, L::kWarning, "check the modules CppCgiPythonPreload names (Python's own message is logged just before this line), or set CppCgiPythonPreload Off; scripts meanwhile run the normal way"};
    case Notice::kConflict: return {200, L::kCritical, "remove the LoadModule line of mod_cgi and mod_cgid (on Debian: a2dismod cgi cgid)", true};
    case Notice::kCompatDirective: return {201, L::kWarning, "remove the directive; mod_cppcgi's helpers need no socket path (CppCgiHelpers sizes the pool)"};
    case Notice::kCompatValue: return {202, L::kWarning, "write the value as a whole number, within the range the directive takes"};
  }
  return {14, LogLevel::kCritical, "report it as a bug in mod_cppcgi"};
}

constexpr std::array<NoticeSpec, kNoticeCount> MakeTable() {
  std::array<NoticeSpec, kNoticeCount> t{};
  for (size_t i = 0; i < kNoticeCount; ++i) t[i] = Spec(static_cast<Notice>(i));
  return t;
}

constexpr std::array<NoticeSpec, kNoticeCount> kTable = MakeTable();

}  // namespace

const NoticeSpec& SpecOf(Notice notice) { return kTable[static_cast<size_t>(notice)]; }

std::string WithFix(Notice notice, std::string_view text) {
  std::string line(text);
  line += "; fix: ";
  line += SpecOf(notice).fix;
  return line;
}

std::string NoticeLine(Notice notice, std::string_view text) {
  char id[16];
  std::snprintf(id, sizeof id, "CPPCGI%04d: ", SpecOf(notice).id);
  return id + WithFix(notice, text);
}

}  // namespace cppcgi
