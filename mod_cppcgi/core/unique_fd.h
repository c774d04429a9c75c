// SPDX-License-Identifier: Apache-2.0
// Move-only owner of a file descriptor, and constructors that always set close-on-exec.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "core/status.h"

namespace cppcgi {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct FdPair {
  UniqueFd first;   // pipe: read end
  UniqueFd second;  // pipe: write end
};

// pipe2(O_CLOEXEC [| extra_flags]).
StatusOr<FdPair> MakePipe(int extra_flags = 0);
// socketpair(AF_UNIX, type | SOCK_CLOEXEC).
StatusOr<FdPair> MakeSocketPair(int type);
Status SetNonBlocking(int fd, bool on);

}  // namespace cppcgi
