// Directive value parsers: arbitrary text is refused with a message naming
// the directive, or accepted within the documented ranges.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view v(reinterpret_cast<const char*>(data), size);
  auto d = cppcgi::ParseDurationMs("D", v);
  if (d.ok() && (*d < 1 || *d > 24 * 3600 * 1000LL)) std::abort();
  if (!d.ok() && d.status().message().rfind("D: '", 0) != 0) std::abort();
  auto n = cppcgi::ParseCount("N", v, 1, 64);
  if (n.ok() && (*n < 1 || *n > 64)) std::abort();
  auto p = cppcgi::ParseAbsolutePath("P", v);
  if (p.ok() && ((*p)[0] != '/' || p->find("/../") != std::string::npos)) std::abort();
  auto e = cppcgi::ParseExtension("E", v);
  if (e.ok() && (*e)[0] != '.') std::abort();
  return 0;
}
