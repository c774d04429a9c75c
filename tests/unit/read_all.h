// SPDX-License-Identifier: Apache-2.0
// What the tests that start processes read from their pipes.
#pragma once

#include <unistd.h>

#include <string>

namespace cppcgi::test_io {

// Everything `fd` gives until EOF (or an error).
inline std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace cppcgi::test_io
