// SPDX-License-Identifier: Apache-2.0
#include "core/unique_fd.h"

#include <cerrno>
#include <sys/socket.h>

namespace cppcgi {

StatusOr<FdPair> MakePipe(int extra_flags) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | extra_flags) != 0) return Status::System("pipe2", errno);
  return FdPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

StatusOr<FdPair> MakeSocketPair(int type) {
  int fds[2];
  if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) != 0)
    return Status::System("socketpair", errno);
  return FdPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Status SetNonBlocking(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return Status::System("fcntl(F_GETFL)", errno);
  int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && ::fcntl(fd, F_SETFL, wanted) != 0)
    return Status::System("fcntl(F_SETFL)", errno);
  return Status::Ok();
}

}  // namespace cppcgi
