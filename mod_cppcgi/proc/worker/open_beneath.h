// SPDX-License-Identifier: Apache-2.0
// Opens a file beneath a directory without leaving it: no "..", no absolute
// or relative symbolic link that points out of it, no /proc magic link, and
// no gap between the check and the open (the kernel resolves the path once:
// openat2 with RESOLVE_BENEATH; before Linux 5.6, a walk that follows no
// symbolic link at all). For X-Sendfile (core/xsendfile.h): what is sent is
// what was opened here.
#pragma once

#include <sys/stat.h>

#include <string>

#include "core/status.h"
#include "core/unique_fd.h"

namespace cppcgi {

struct FileBeneath {
  UniqueFd fd;      // read-only, close-on-exec
  struct stat st;   // of that fd: a regular file
};

// `rel`: relative, without "." or ".." components (core/xsendfile.h).
// Errors: Code::kSystem with the errno (ENOENT, EACCES, EXDEV or ELOOP for a
// way out, ...), or Code::kInvalidArgument for something that is not a
// regular file (a FIFO is not waited on), or Code::kUnavailable (with the
// errno) when `dir` itself cannot be opened.
StatusOr<FileBeneath> OpenRegularFileBeneath(const std::string& dir, const std::string& rel);

}  // namespace cppcgi
