// SPDX-License-Identifier: Apache-2.0
// Reads a script's first line the way the Linux kernel does (fs/binfmt_script.c):
// "#!", optional blanks, the interpreter up to the next blank, then everything
// after it (trimmed) as at most one argument; the line must end within the
// first 256 bytes (BINPRM_BUF_SIZE). Unlike the kernel, it says what is wrong
// in words a script author can act on.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cppcgi {

inline constexpr size_t kShebangBufferSize = 256;  // what the kernel reads

enum class FileKind {
  kElf,         // "\x7fELF": a binary, no #! to check
  kShebang,     // a valid #! line
  kNoShebang,   // neither ELF nor #!
  kCrlf,        // a CR in the #! line (it ends in one): saved with Windows line endings
  kBom,         // a UTF-8 byte-order mark before #!
  kTooLong,     // no end of line within the first 256 bytes
  kNoInterpreter,  // "#!" followed by nothing
  kRelativeInterpreter,  // interpreter path does not start with '/'
};

struct Shebang {
  FileKind kind = FileKind::kNoShebang;
  std::string interpreter;  // absolute path, when kShebang
  std::string argument;     // the optional single argument ("" if none)
  bool has_argument = false;
};

// `head` is the first bytes of the file (up to kShebangBufferSize; fewer if the file is shorter).
Shebang ParseShebang(std::string_view head);

}  // namespace cppcgi
