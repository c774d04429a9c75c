// SPDX-License-Identifier: Apache-2.0
#include "core/shebang.h"

namespace cppcgi {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

Shebang ParseShebang(std::string_view head) {
  Shebang out;
  if (head.size() > kShebangBufferSize) head = head.substr(0, kShebangBufferSize);
  if (head.substr(0, 4) == std::string_view("\x7f" "ELF", 4)) {
    out.kind = FileKind::kElf;
    return out;
  }
  if (head.substr(0, 5) == "\xEF\xBB\xBF#!") {
    out.kind = FileKind::kBom;
    return out;
  }
  if (head.substr(0, 2) != "#!") {
    out.kind = FileKind::kNoShebang;
    return out;
  }
  size_t nl = head.find('\n');
  std::string_view line;
  if (nl == std::string_view::npos) {
    // A file may consist of the #! line alone; if it fills the buffer the line is too long.
    if (head.size() >= kShebangBufferSize) {
      out.kind = FileKind::kTooLong;
      return out;
    }
    line = head.substr(2);
  } else {
    line = head.substr(2, nl - 2);
  }
  // Usually the line *ends* in CR (Windows line endings), but a CR anywhere
  // in it ends up in the interpreter's name or argument (found by fuzzing).
  if (line.find('\r') != std::string_view::npos) {
    out.kind = FileKind::kCrlf;
    return out;
  }
  while (!line.empty() && IsBlank(line.front())) line.remove_prefix(1);
  while (!line.empty() && IsBlank(line.back())) line.remove_suffix(1);
  if (line.empty()) {
    out.kind = FileKind::kNoInterpreter;
    return out;
  }
  size_t end = 0;
  while (end < line.size() && !IsBlank(line[end])) ++end;
  out.interpreter.assign(line.substr(0, end));
  std::string_view rest = line.substr(end);
  while (!rest.empty() && IsBlank(rest.front())) rest.remove_prefix(1);
  if (!rest.empty()) {
    out.argument.assign(rest);
    out.has_argument = true;
  }
  out.kind = out.interpreter[0] == '/' ? FileKind::kShebang : FileKind::kRelativeInterpreter;
  return out;
}

}  // namespace cppcgi
