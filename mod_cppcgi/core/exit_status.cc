// SPDX-License-Identifier: Apache-2.0
#include "core/exit_status.h"

#include <sys/wait.h>

#include <cstring>

namespace cppcgi {

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    const char* name = sigdescr_np(sig);
    std::string out = "was killed by signal " + std::to_string(sig);
    if (name != nullptr) out += std::string(" (") + name + ")";
    if (WCOREDUMP(wait_status)) out += ", core dumped";
    return out;
  }
  return "ended with wait status " + std::to_string(wait_status);
}

bool ExitedCleanly(int wait_status) { return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0; }

}  // namespace cppcgi
