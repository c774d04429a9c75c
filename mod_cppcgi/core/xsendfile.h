// SPDX-License-Identifier: Apache-2.0
// X-Sendfile (CppCgiXSendFile): a script answers with a header that names a
// file, and the server sends that file instead of the script's body. Here,
// without httpd or the file system: which header names a file, and which
// allowed directory (CppCgiXSendFilePath) a path falls under, by whole path
// components, with the rest of the path to open beneath it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace cppcgi {

// The header names a script may use: X-Sendfile, and lighttpd's name.
inline constexpr std::string_view kSendfileHeaders[] = {"X-Sendfile", "X-LIGHTTPD-send-file"};
inline constexpr size_t kMaxSendfilePath = 4095;

// A path to send, split at the allowed directory it falls under.
struct SendfileTarget {
  std::string dir;  // one of the allowed directories, as configured
  std::string rel;  // the rest, relative, never empty, no "." or ".." component
};

// Why a path cannot be sent, before anything is opened.
enum class SendfilePathProblem {
  kNotAbsolute,    // empty, relative, over kMaxSendfilePath, or holding a NUL
  kDotComponent,   // a "." or ".." component, or an empty one ("//")
  kNotAllowed,     // under none of the allowed directories (or there are none)
};

struct SendfilePathResult {
  std::optional<SendfileTarget> target;
  SendfilePathProblem problem = SendfilePathProblem::kNotAllowed;  // when !target
};

// Picks the longest allowed directory that holds `path` by whole components
// ("/srv/files" holds "/srv/files/a", not "/srv/files2/a").
SendfilePathResult ChooseSendfileDir(std::string_view path, const std::vector<std::string>& dirs);

// The allowed directories as a log line lists them: "/a, /b" or "none".
std::string SendfileDirList(const std::vector<std::string>& dirs);

}  // namespace cppcgi
