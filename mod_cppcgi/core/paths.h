// SPDX-License-Identifier: Apache-2.0
// Path helpers shared by the handler and SSI exec.
#pragma once

#include <string>
#include <string_view>

namespace cppcgi {

// The directory part of an absolute path: "/a/b/c.cgi" -> "/a/b", "/c.cgi" -> "/".
inline std::string DirectoryOf(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace cppcgi
