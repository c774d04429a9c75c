// SPDX-License-Identifier: Apache-2.0
// Configuration values: pure parsers for directive arguments (each error
// names the directive, the bad value and what is accepted), the per-server
// and per-directory settings with "unset" modelled as std::optional, and the
// merge rule (the child's set values win, unset ones inherit).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/script_check.h"
#include "core/status.h"

namespace cppcgi {

// A whole number in [min, max].
StatusOr<int> ParseCount(std::string_view directive, std::string_view value, int min, int max);

// Durations are written in httpd's time syntax, read by httpd's own
// ap_timeout_parameter_parse (in the glue): what mod_cgi and mod_cgid read
// CGIScriptTimeout and CGIDScriptTimeout with, so one syntax holds for every
// duration directive. `parsed_us` is what it made of `value` (nullopt: it
// refused it); `value` is for the message.
inline constexpr std::string_view kTimeSyntax =
    "httpd's time syntax: a whole number with an optional unit ms, s, mi (minutes) or h (seconds if none), "
    "e.g. 30, 500ms or 5mi";

// mod_cppcgi's own durations: between 1 ms and 24 h. In milliseconds.
StatusOr<int64_t> DurationMsInRange(std::string_view directive, std::string_view value,
                                    std::optional<int64_t> parsed_us);

// CGIScriptTimeout / CGIDScriptTimeout: every value mod_cgi and mod_cgid
// accept. 0 means the Timeout directive, as there (returned as 0); the rest
// in milliseconds, at most kMaxCompatTimeoutMs.
inline constexpr int64_t kMaxCompatTimeoutMs = 2147483647;  // what poll() can wait
StatusOr<int64_t> CompatTimeoutMs(std::string_view directive, std::string_view value,
                                  std::optional<int64_t> parsed_us);

// A number as mod_cgi reads ScriptLogLength and ScriptLogBuffer (`read_as`:
// what atol or atoi made of `text`, in the glue), kept within [min, max].
// `notice` says so when `text` is not plainly that number: a value mod_cgi
// accepts is accepted, but one it would silently read as something else is
// worth a warning.
struct CompatNumber {
  int64_t value = 0;
  std::optional<std::string> notice;
};
CompatNumber ReadCompatNumber(std::string_view directive, std::string_view text, int64_t read_as, int64_t min,
                              int64_t max);

// CppCgiSuexec: how a script runs as a SuexecUserGroup identity.
enum class SuexecMode {
  kWrapper,  // through Apache's setuid suEXEC wrapper, an exec per request
  kHelpers,  // by helpers that run as that identity, forked for it by httpd's parent
};
StatusOr<SuexecMode> ParseSuexecMode(std::string_view directive, std::string_view value);

struct ServerSettings {
  std::optional<int> helpers;             // CppCgiHelpers
  std::optional<int> max_scripts_total;   // CppCgiMaxScriptsTotal
  std::optional<std::string> script_log;  // ScriptLog (absolute: resolved against ServerRoot)
  std::optional<int64_t> script_log_length;  // ScriptLogLength
  std::optional<int> script_log_buffer;   // ScriptLogBuffer
  std::optional<SuexecMode> suexec_mode;  // CppCgiSuexec
  std::optional<int> identity_helpers;    // CppCgiSuexecHelpers
};

// CppCgiPermissionCheck's value: On, Off, Warn or Strict (any case).
StatusOr<PermissionMode> ParsePermissionMode(std::string_view directive, std::string_view value);

// An absolute path without NUL, "..", or empty components (for interpreters).
StatusOr<std::string> ParseAbsolutePath(std::string_view directive, std::string_view value);

// A file-name extension such as ".py": a dot and 1-16 of [A-Za-z0-9_-].
StatusOr<std::string> ParseExtension(std::string_view directive, std::string_view value);

struct DirSettings {
  // CppCgiIdleTimeout / CGIScriptTimeout / CGIDScriptTimeout; 0: the Timeout directive
  std::optional<int64_t> idle_timeout_ms;
  std::optional<PermissionMode> permissions;  // CppCgiPermissionCheck
  std::optional<std::vector<std::string>> allowed_interpreters;  // CppCgiAllowInterpreter
  std::map<std::string, std::string> interpreters;  // CppCgiInterpreter .ext /path (merged per extension)
  std::optional<uint32_t> script_owner;    // CppCgiScriptOwner (uid)
  std::optional<int64_t> max_run_time_ms;  // CppCgiMaxRunTime
  std::optional<bool> spool_unknown_length;  // CppCgiRequestBody spool (true) | stream (false)
  std::optional<bool> error_page;            // CppCgiErrorPage
  std::optional<int64_t> stderr_limit;       // CppCgiStderrLimit, bytes logged per request (0: no limit)
  // CppCgiMaxScripts: the cap and the shared counter slot of the section that set it.
  std::optional<uint32_t> max_scripts;
  uint32_t max_scripts_slot = 0;
  std::optional<bool> xsendfile;             // CppCgiXSendFile
  std::vector<std::string> xsendfile_paths;  // CppCgiXSendFilePath (a section adds to its parent's)
  std::optional<bool> python_preload;        // CppCgiPythonPreload On|Off
  std::optional<std::vector<std::string>> python_preload_modules;  // ... and the modules it names
};

ServerSettings Merge(const ServerSettings& parent, const ServerSettings& child);
DirSettings Merge(const DirSettings& parent, const DirSettings& child);

// ScriptLog, ScriptLogLength, ScriptLogBuffer, with their defaults (mod_cgi's).
struct ScriptLogSettings {
  std::optional<std::string> path;  // unset: no ScriptLog
  int64_t length = 10385760;        // ScriptLogLength
  int64_t buffer = 1024;            // ScriptLogBuffer
};

// What is in effect for one request's script: every directive resolved,
// with its default. The defaults are these initializers, and nowhere else.
struct EffectiveSettings {
  int64_t idle_timeout_ms = 0;  // 0: the Timeout directive (when Resolve is not told it)
  int64_t max_run_time_ms = 0;  // 0: no limit
  CheckPolicy policy;           // CppCgiPermissionCheck, CppCgiScriptOwner, CppCgiAllowInterpreter
  std::map<std::string, std::string> interpreters;  // CppCgiInterpreter
  bool spool_unknown_length = true;   // CppCgiRequestBody spool
  bool error_page = false;            // CppCgiErrorPage
  int64_t stderr_limit = 1 << 20;     // CppCgiStderrLimit (0: no limit)
  std::optional<uint32_t> max_scripts;  // CppCgiMaxScripts
  uint32_t max_scripts_slot = 0;
  uint32_t max_scripts_total = 0;       // CppCgiMaxScriptsTotal (0: no cap)
  ScriptLogSettings script_log;
  bool xsendfile = false;                    // CppCgiXSendFile
  std::vector<std::string> xsendfile_paths;  // CppCgiXSendFilePath
  bool python_preload = false;                      // CppCgiPythonPreload
  std::vector<std::string> python_preload_modules;  // imported by the warm process
};

// `timeout_ms`: httpd's Timeout directive where the request is, which an
// idle timeout of 0 (CGIScriptTimeout 0, as mod_cgi reads it) or none
// stands for; nullopt where it is not known (the doctor), and then
// idle_timeout_ms stays 0.
EffectiveSettings Resolve(const DirSettings& dir, const ServerSettings& server, std::optional<int64_t> timeout_ms);
ScriptLogSettings ResolveScriptLog(const ServerSettings& server);

}  // namespace cppcgi
