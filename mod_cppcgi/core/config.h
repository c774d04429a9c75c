// Configuration values: pure parsers for directive arguments (each error
// names the directive, the bad value and what is accepted), the per-server
// and per-directory settings with "unset" modelled as std::optional, and the
// merge rule (the child's set values win, unset ones inherit).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/status.h"

namespace cppcgi {

// A whole number in [min, max].
StatusOr<int> ParseCount(std::string_view directive, std::string_view value, int min, int max);

// A duration: a whole number with an optional unit "ms", "s" (default), "m"
// or "h", between 1 ms and 24 h. Returned in milliseconds.
StatusOr<int64_t> ParseDurationMs(std::string_view directive, std::string_view value);

struct ServerSettings {
  std::optional<int> helpers;  // CppCgiHelpers
};

struct DirSettings {
  std::optional<int64_t> idle_timeout_ms;  // CppCgiIdleTimeout / CGIScriptTimeout / CGIDScriptTimeout
};

ServerSettings Merge(const ServerSettings& parent, const ServerSettings& child);
DirSettings Merge(const DirSettings& parent, const DirSettings& child);

}  // namespace cppcgi
