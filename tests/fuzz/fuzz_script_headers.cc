// SPDX-License-Identifier: Apache-2.0
// The script-header framer and line checks: arbitrary bytes, fed in chunks of
// arbitrary sizes, must give the same result as fed at once, and every line
// handed on must respect the caps.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/script_headers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t step = data[0] % 17 + 1;  // first byte picks the chunk size
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  cppcgi::ScriptHeaderFramer whole;
  size_t whole_used = whole.Feed(input);

  cppcgi::ScriptHeaderFramer pieces;
  size_t used = 0;
  for (size_t off = 0; off < input.size() && pieces.state() == cppcgi::ScriptHeaderFramer::State::kNeedMore;
       off += step) {
    used += pieces.Feed(input.substr(off, step));
  }
  if (whole.state() != pieces.state()) std::abort();
  if (whole.state() == cppcgi::ScriptHeaderFramer::State::kComplete) {
    if (used != whole_used) std::abort();
    auto a = whole.lines();
    auto b = pieces.lines();
    if (a != b) std::abort();
    if (a.size() > cppcgi::ScriptHeaderFramer::kMaxLines) std::abort();
    for (std::string_view line : a) {
      if (line.size() > cppcgi::ScriptHeaderFramer::kMaxLineLength) std::abort();
      if (line.find('\n') != std::string_view::npos) std::abort();
      auto st = cppcgi::ValidateHeaderLine(line);
      // A valid line never carries a control character other than HTAB.
      if (st.ok()) {
        for (unsigned char c : line) {
          if ((c < 0x20 && c != '\t') || c == 0x7f) std::abort();
        }
      }
      (void)cppcgi::ValidateHeaderLine(line, true);
      (void)cppcgi::IsTransferEncodingLine(line);
    }
    int code = cppcgi::InterimStatus(a);
    if (code != 0 && (code < 100 || code > 199 || code == 101)) std::abort();
  }
  return 0;
}
