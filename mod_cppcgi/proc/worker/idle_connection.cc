// SPDX-License-Identifier: Apache-2.0
#include "proc/worker/idle_connection.h"

#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace cppcgi {
namespace {

// Trivially destructible on purpose: the module may be unloaded while
// threads live, so no thread-exit destructor may point into it. A kept fd
// is close-on-exec and is closed when the process exits.
constexpr size_t kMaxPath = sizeof(sockaddr_un{}.sun_path);
thread_local int idle_fd = -1;
thread_local char idle_path[kMaxPath];

}  // namespace

UniqueFd TakeIdleConnection(std::string_view path) {
  if (idle_fd < 0 || path.size() >= kMaxPath || std::string_view(idle_path) != path) return UniqueFd();
  UniqueFd fd(idle_fd);
  idle_fd = -1;
  return fd;
}

void KeepIdleConnection(std::string_view path, UniqueFd fd) {
  if (idle_fd >= 0) ::close(idle_fd);
  idle_fd = -1;
  if (!fd || path.size() >= kMaxPath) return;
  std::memcpy(idle_path, path.data(), path.size());
  idle_path[path.size()] = '\0';
  idle_fd = fd.release();
}

}  // namespace cppcgi
