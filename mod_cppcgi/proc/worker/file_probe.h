// SPDX-License-Identifier: Apache-2.0
// What the checks (core/script_check.h) need to know about a file the
// caller opened: its mode and owner, and for a script whether its file
// system is mounted noexec, and where. Shared by the module and the doctor.
#pragma once

#include <sys/stat.h>

#include <string_view>

#include "core/script_check.h"

namespace cppcgi {

FileFacts FactsFromStat(const struct stat& st);

// Adds to `facts` whether the file open at `fd` (at `path`, to name its mount
// point) is on a file system mounted noexec. One fstatvfs; the mount table is
// read only for such a file.
void AddMountFacts(int fd, std::string_view path, FileFacts* facts);

}  // namespace cppcgi
