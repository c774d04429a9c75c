// SPDX-License-Identifier: Apache-2.0
// The #! parser: never reads past its input, and a kShebang result is an
// absolute interpreter without blanks, CR or LF.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/script_check.h"
#include "core/shebang.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view head(reinterpret_cast<const char*>(data), size);
  cppcgi::Shebang s = cppcgi::ParseShebang(head);
  if (s.kind == cppcgi::FileKind::kShebang) {
    if (s.interpreter.empty() || s.interpreter[0] != '/') std::abort();
    if (s.interpreter.find_first_of(" \t\r\n") != std::string::npos) std::abort();
    if (s.argument.find('\n') != std::string::npos) std::abort();
    if (s.has_argument == s.argument.empty()) std::abort();
  }
  auto refusal = cppcgi::CheckShebang("/x.cgi", s);
  bool runnable = s.kind == cppcgi::FileKind::kShebang || s.kind == cppcgi::FileKind::kElf;
  if (runnable == refusal.has_value()) std::abort();
  return 0;
}
