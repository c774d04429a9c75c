// SPDX-License-Identifier: Apache-2.0
// stderr line splitting: every emitted line is within the cap and has no LF;
// nothing but line endings is lost.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/line_splitter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t cap = data[0] % 64 + 1;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  cppcgi::LineSplitter splitter(cap);
  size_t kept = 0;
  auto sink = [&](std::string_view line) {
    if (line.size() > cap || line.find('\n') != std::string_view::npos) std::abort();
    kept += line.size();
  };
  for (size_t off = 0; off < input.size(); off += 7) splitter.Feed(input.substr(off, 7), sink);
  splitter.Flush(sink);
  size_t newlines = 0, crs_max = 0;
  for (char c : input) {
    newlines += c == '\n';
    crs_max += c == '\r';
  }
  if (kept + newlines > input.size() || kept + newlines + crs_max < input.size()) std::abort();
  return 0;
}
