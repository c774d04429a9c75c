// SPDX-License-Identifier: Apache-2.0
#include "core/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

namespace cppcgi {
namespace {

Status Bad(std::string_view directive, std::string_view value, std::string_view accepted) {
  return {Code::kInvalidArgument, std::string(directive) + ": '" + std::string(value) +
                                      "' is not accepted; expected " + std::string(accepted)};
}

template <typename T>
std::optional<T> ParseWhole(std::string_view s) {
  T v{};
  if (s.empty() || s.size() > 18) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

template <typename T>
std::optional<T> Pick(const std::optional<T>& parent, const std::optional<T>& child) {
  return child.has_value() ? child : parent;
}

}  // namespace

StatusOr<int> ParseCount(std::string_view directive, std::string_view value, int min, int max) {
  auto v = ParseWhole<int>(value);
  std::string accepted = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!v || *v < min || *v > max) return Bad(directive, value, accepted);
  return *v;
}

StatusOr<int64_t> DurationMsInRange(std::string_view directive, std::string_view value,
                                    std::optional<int64_t> parsed_us) {
  constexpr int64_t kMaxUs = 24 * 3600 * 1000000LL;
  if (!parsed_us || *parsed_us < 1000 || *parsed_us > kMaxUs)
    return Bad(directive, value, std::string(kTimeSyntax) + ", from 1ms to 24h");
  return *parsed_us / 1000;
}

StatusOr<int64_t> CompatTimeoutMs(std::string_view directive, std::string_view value,
                                  std::optional<int64_t> parsed_us) {
  if (!parsed_us) return Bad(directive, value, kTimeSyntax);
  if (*parsed_us <= 0) return 0;
  return std::min(std::max<int64_t>(*parsed_us / 1000, 1), kMaxCompatTimeoutMs);
}

CompatNumber ReadCompatNumber(std::string_view directive, std::string_view text, int64_t read_as, int64_t min,
                              int64_t max) {
  CompatNumber n{std::clamp(read_as, min, max), std::nullopt};
  std::string said = std::string(directive) + " '" + std::string(text) + "' is read as " + std::to_string(n.value);
  if (n.value != read_as) {
    n.notice = said + " (mod_cgi would read " + std::to_string(read_as) + ", which cannot be used: it takes " +
               std::to_string(min) + " to " + std::to_string(max) + ")";
  } else if (ParseWhole<int64_t>(text) != read_as) {
    n.notice = said + ", as mod_cgi reads it (its leading digits)";
  }
  return n;
}

StatusOr<SuexecMode> ParseSuexecMode(std::string_view directive, std::string_view value) {
  auto is = [&](std::string_view name) {
    return value.size() == name.size() &&
           std::equal(value.begin(), value.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  if (is("helpers")) return SuexecMode::kHelpers;
  if (is("wrapper")) return SuexecMode::kWrapper;
  return Bad(directive, value,
             "helpers (scripts of a SuexecUserGroup identity run by helpers that run as it) or wrapper (through "
             "Apache's suEXEC wrapper, as mod_cgi)");
}

StatusOr<PermissionMode> ParsePermissionMode(std::string_view directive, std::string_view value) {
  for (PermissionMode m : {PermissionMode::kOn, PermissionMode::kOff, PermissionMode::kWarn, PermissionMode::kStrict}) {
    std::string_view name = PermissionModeName(m);
    if (value.size() == name.size() &&
        std::equal(value.begin(), value.end(), name.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                               std::tolower(static_cast<unsigned char>(b)); }))
      return m;
  }
  return Bad(directive, value,
             "On (refuse what others can write, and set-id scripts; run what only the file's group can write, "
             "with a warning), Strict (refuse that too), Warn (refuse none of it, warn about all) or Off");
}

StatusOr<std::string> ParseAbsolutePath(std::string_view directive, std::string_view value) {
  constexpr std::string_view kAccepted = "an absolute path such as /usr/bin/python3";
  if (value.empty() || value[0] != '/' || value.size() > 4095 || value.find('\0') != std::string_view::npos ||
      value.find("//") != std::string_view::npos || value.find("/../") != std::string_view::npos ||
      value.find("/./") != std::string_view::npos || value.ends_with("/..") || value.ends_with("/.") ||
      (value.size() > 1 && value.back() == '/'))
    return Bad(directive, value, kAccepted);
  return std::string(value);
}

StatusOr<std::string> ParseExtension(std::string_view directive, std::string_view value) {
  constexpr std::string_view kAccepted = "a file-name extension with its dot, such as .py";
  if (value.size() < 2 || value.size() > 17 || value[0] != '.') return Bad(directive, value, kAccepted);
  for (char c : value.substr(1)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return Bad(directive, value, kAccepted);
  }
  return std::string(value);
}

ServerSettings Merge(const ServerSettings& parent, const ServerSettings& child) {
  return {Pick(parent.helpers, child.helpers), Pick(parent.max_scripts_total, child.max_scripts_total),
          Pick(parent.script_log, child.script_log), Pick(parent.script_log_length, child.script_log_length),
          Pick(parent.script_log_buffer, child.script_log_buffer), Pick(parent.suexec_mode, child.suexec_mode),
          Pick(parent.identity_helpers, child.identity_helpers)};
}

DirSettings Merge(const DirSettings& parent, const DirSettings& child) {
  DirSettings out;
  out.idle_timeout_ms = Pick(parent.idle_timeout_ms, child.idle_timeout_ms);
  out.permissions = Pick(parent.permissions, child.permissions);
  out.allowed_interpreters = Pick(parent.allowed_interpreters, child.allowed_interpreters);
  out.interpreters = parent.interpreters;
  for (const auto& [ext, path] : child.interpreters) out.interpreters[ext] = path;
  out.script_owner = Pick(parent.script_owner, child.script_owner);
  out.max_run_time_ms = Pick(parent.max_run_time_ms, child.max_run_time_ms);
  out.spool_unknown_length = Pick(parent.spool_unknown_length, child.spool_unknown_length);
  out.error_page = Pick(parent.error_page, child.error_page);
  out.stderr_limit = Pick(parent.stderr_limit, child.stderr_limit);
  const DirSettings& caps = child.max_scripts ? child : parent;
  out.max_scripts = caps.max_scripts;
  out.max_scripts_slot = caps.max_scripts_slot;
  out.xsendfile = Pick(parent.xsendfile, child.xsendfile);
  out.xsendfile_paths = parent.xsendfile_paths;
  for (const std::string& p : child.xsendfile_paths)
    if (std::find(out.xsendfile_paths.begin(), out.xsendfile_paths.end(), p) == out.xsendfile_paths.end())
      out.xsendfile_paths.push_back(p);
  // On or Off and its modules are one setting: a section that sets it replaces both.
  const DirSettings& preload = child.python_preload ? child : parent;
  out.python_preload = preload.python_preload;
  out.python_preload_modules = preload.python_preload_modules;
  return out;
}

ScriptLogSettings ResolveScriptLog(const ServerSettings& server) {
  ScriptLogSettings out;
  out.path = server.script_log;
  if (server.script_log_length) out.length = *server.script_log_length;
  if (server.script_log_buffer) out.buffer = *server.script_log_buffer;
  return out;
}

EffectiveSettings Resolve(const DirSettings& dir, const ServerSettings& server, std::optional<int64_t> timeout_ms) {
  EffectiveSettings out;
  if (dir.idle_timeout_ms.value_or(0) > 0) {
    out.idle_timeout_ms = *dir.idle_timeout_ms;
  } else if (timeout_ms) {
    out.idle_timeout_ms = *timeout_ms;
  }
  if (dir.max_run_time_ms) out.max_run_time_ms = *dir.max_run_time_ms;
  if (dir.permissions) out.policy.permissions = *dir.permissions;
  out.policy.required_owner = dir.script_owner;
  if (dir.allowed_interpreters) out.policy.allowed_interpreters = *dir.allowed_interpreters;
  out.interpreters = dir.interpreters;
  if (dir.spool_unknown_length) out.spool_unknown_length = *dir.spool_unknown_length;
  if (dir.error_page) out.error_page = *dir.error_page;
  if (dir.stderr_limit) out.stderr_limit = *dir.stderr_limit;
  out.max_scripts = dir.max_scripts;
  out.max_scripts_slot = dir.max_scripts_slot;
  if (server.max_scripts_total) out.max_scripts_total = static_cast<uint32_t>(*server.max_scripts_total);
  out.script_log = ResolveScriptLog(server);
  if (dir.xsendfile) out.xsendfile = *dir.xsendfile;
  out.xsendfile_paths = dir.xsendfile_paths;
  if (dir.python_preload) out.python_preload = *dir.python_preload;
  if (dir.python_preload_modules) out.python_preload_modules = *dir.python_preload_modules;
  return out;
}

}  // namespace cppcgi
