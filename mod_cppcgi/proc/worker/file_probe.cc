// SPDX-License-Identifier: Apache-2.0
#include "proc/worker/file_probe.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <string>

#include "core/mountinfo.h"
#include "core/unique_fd.h"

namespace cppcgi {

FileFacts FactsFromStat(const struct stat& st) {
  return FileFacts{.mode = static_cast<uint32_t>(st.st_mode),
                   .uid = static_cast<uint32_t>(st.st_uid),
                   .gid = static_cast<uint32_t>(st.st_gid),
                   .dev = static_cast<uint64_t>(st.st_dev),
                   .ino = static_cast<uint64_t>(st.st_ino),
                   .ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec};
}

void AddMountFacts(int fd, std::string_view path, FileFacts* facts) {
  struct statvfs vfs;
  if (::fstatvfs(fd, &vfs) != 0 || (vfs.f_flag & ST_NOEXEC) == 0) return;
  facts->noexec_mount = true;
  struct stat st;
  if (::fstat(fd, &st) != 0) return;
  UniqueFd table(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
  if (!table) return;
  constexpr size_t kMaxTable = 4 << 20;
  std::string text;
  char buf[65536];
  ssize_t n;
  while (text.size() < kMaxTable && (n = ::read(table.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  if (auto point = FindMountPoint(text, major(st.st_dev), minor(st.st_dev), path)) facts->mount_point = *point;
}

}  // namespace cppcgi
