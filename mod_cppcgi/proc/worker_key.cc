// SPDX-License-Identifier: Apache-2.0
#include "proc/worker_key.h"

#include <sys/random.h>

#include <cerrno>

namespace cppcgi {

StatusOr<wire::WorkerKey> DrawWorkerKey() {
  wire::WorkerKey key{};
  size_t got = 0;
  while (got < key.size()) {
    // Blocks only until the kernel's pool is first initialised (early boot).
    ssize_t n = ::getrandom(key.data() + got, key.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::System("getrandom", errno);
    }
    got += static_cast<size_t>(n);
  }
  return key;
}

}  // namespace cppcgi
