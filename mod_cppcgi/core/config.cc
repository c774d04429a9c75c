#include "core/config.h"

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

StatusOr<int64_t> ParseDurationMs(std::string_view directive, std::string_view value) {
  constexpr std::string_view kAccepted =
      "a whole number of seconds, optionally with a unit: ms, s, m or h (1ms to 24h), e.g. 30 or 500ms";
  std::string_view digits = value;
  int64_t scale = 1000;
  for (auto [suffix, factor] : {std::pair<std::string_view, int64_t>{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}}) {
    if (digits.size() > suffix.size() && digits.substr(digits.size() - suffix.size()) == suffix) {
      digits.remove_suffix(suffix.size());
      scale = factor;
      break;
    }
  }
  auto v = ParseWhole<int64_t>(digits);
  if (!v || *v <= 0 || *v > 24 * 3600000LL / scale) return Bad(directive, value, kAccepted);
  return *v * scale;
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
          Pick(parent.script_log_buffer, child.script_log_buffer)};
}

DirSettings Merge(const DirSettings& parent, const DirSettings& child) {
  DirSettings out;
  out.idle_timeout_ms = Pick(parent.idle_timeout_ms, child.idle_timeout_ms);
  out.check_permissions = Pick(parent.check_permissions, child.check_permissions);
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
  return out;
}

}  // namespace cppcgi
