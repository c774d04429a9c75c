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

#include "core/status.h"

namespace cppcgi {

// A whole number in [min, max].
StatusOr<int> ParseCount(std::string_view directive, std::string_view value, int min, int max);

// A duration: a whole number with an optional unit "ms", "s" (default), "m"
// or "h", between 1 ms and 24 h. Returned in milliseconds.
StatusOr<int64_t> ParseDurationMs(std::string_view directive, std::string_view value);

struct ServerSettings {
  std::optional<int> helpers;             // CppCgiHelpers
  std::optional<int> max_scripts_total;   // CppCgiMaxScriptsTotal
  std::optional<std::string> script_log;  // ScriptLog (absolute: resolved against ServerRoot)
  std::optional<int> script_log_length;   // ScriptLogLength
  std::optional<int> script_log_buffer;   // ScriptLogBuffer
};

// An absolute path without NUL, "..", or empty components (for interpreters).
StatusOr<std::string> ParseAbsolutePath(std::string_view directive, std::string_view value);

// A file-name extension such as ".py": a dot and 1-16 of [A-Za-z0-9_-].
StatusOr<std::string> ParseExtension(std::string_view directive, std::string_view value);

struct DirSettings {
  std::optional<int64_t> idle_timeout_ms;  // CppCgiIdleTimeout / CGIScriptTimeout / CGIDScriptTimeout
  std::optional<bool> check_permissions;   // CppCgiPermissionCheck
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
};

ServerSettings Merge(const ServerSettings& parent, const ServerSettings& child);
DirSettings Merge(const DirSettings& parent, const DirSettings& child);

}  // namespace cppcgi
