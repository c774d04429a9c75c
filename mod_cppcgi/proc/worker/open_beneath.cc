// SPDX-License-Identifier: Apache-2.0
#include "proc/worker/open_beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string_view>

namespace cppcgi {
namespace {

// O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused after fstat).
constexpr int kFileFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

int OpenAt2(int dirfd, const char* rel) {
  open_how how{};
  how.flags = kFileFlags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    long fd = ::syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN) return static_cast<int>(fd);  // EAGAIN: a rename raced; try again
  }
}

// Before openat2: one component at a time, following no symbolic link.
int OpenByWalk(int dirfd, std::string_view rel) {
  UniqueFd at(::fcntl(dirfd, F_DUPFD_CLOEXEC, 0));
  if (!at) return -1;
  for (;;) {
    size_t slash = rel.find('/');
    std::string part(rel.substr(0, slash));
    if (slash == std::string_view::npos)
      return ::openat(at.get(), part.c_str(), kFileFlags | O_NOFOLLOW);
    UniqueFd next(::openat(at.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) return -1;
    at = std::move(next);
    rel.remove_prefix(slash + 1);
  }
}

}  // namespace

StatusOr<FileBeneath> OpenRegularFileBeneath(const std::string& dir, const std::string& rel) {
  UniqueFd dirfd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dirfd) return Status(Code::kUnavailable, "the directory " + dir + " cannot be opened", errno);
  int fd = OpenAt2(dirfd.get(), rel.c_str());
  if (fd < 0 && errno == ENOSYS) fd = OpenByWalk(dirfd.get(), rel);
  if (fd < 0) return Status::System("open " + rel + " beneath " + dir, errno);
  FileBeneath out{UniqueFd(fd), {}};
  if (::fstat(fd, &out.st) != 0) return Status::System("fstat", errno);
  if (!S_ISREG(out.st.st_mode)) return Status(Code::kInvalidArgument, "not a regular file");
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return out;
}

}  // namespace cppcgi
