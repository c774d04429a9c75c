// SPDX-License-Identifier: Apache-2.0
// Directive value parsers: arbitrary text is refused with a message naming
// the directive, or accepted within the documented ranges.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view v(reinterpret_cast<const char*>(data), size);
  // Durations: httpd's parser is httpd's; what it can yield is any int64 (or a refusal).
  int64_t us = 0;
  if (size >= sizeof us) std::memcpy(&us, data, sizeof us);
  std::optional<int64_t> parsed = size % 2 == 0 ? std::optional<int64_t>(us) : std::nullopt;
  auto d = cppcgi::DurationMsInRange("D", v, parsed);
  if (d.ok() && (*d < 1 || *d > 24 * 3600 * 1000LL)) std::abort();
  if (!d.ok() && d.status().message().rfind("D: '", 0) != 0) std::abort();
  auto c = cppcgi::CompatTimeoutMs("C", v, parsed);
  if (c.ok() && (*c < 0 || *c > cppcgi::kMaxCompatTimeoutMs)) std::abort();
  auto m = cppcgi::ReadCompatNumber("M", v, std::atol(std::string(v).c_str()), 0, 16 << 20);
  if (m.value < 0 || m.value > (16 << 20)) std::abort();
  auto n = cppcgi::ParseCount("N", v, 1, 64);
  if (n.ok() && (*n < 1 || *n > 64)) std::abort();
  auto p = cppcgi::ParseAbsolutePath("P", v);
  if (p.ok() && ((*p)[0] != '/' || p->find("/../") != std::string::npos)) std::abort();
  auto e = cppcgi::ParseExtension("E", v);
  if (e.ok() && (*e)[0] != '.') std::abort();
  return 0;
}
