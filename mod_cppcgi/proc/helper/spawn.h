// SPDX-License-Identifier: Apache-2.0
// Starts one CGI script with clone(CLONE_VM | CLONE_VFORK | CLONE_FILES), as
// vfork() but on a stack of its own, then execveat(exec_fd, "", AT_EMPTY_PATH):
// no copy of the helper's address space, and the file that runs is the one
// the worker opened and checked (the script binary, or its interpreter).
// The child's fd table starts as a copy of only the fds up to the highest of
// the four it is given (close_range(CLOSE_RANGE_UNSHARE)), so the cost of a
// spawn does not grow with the number of fds open above them.
// The script gets the given pipe ends as 0, 1 and 2 and nothing else
// (everything else is marked close-on-exec, inherited fds included), its own
// process group (in the helper's session: see spawn.cc), an empty signal mask and default signal
// dispositions, and the requested working directory.
#pragma once

#include <sys/types.h>

#include <vector>

#include "core/status.h"
#include "core/wire.h"

namespace cppcgi {

struct SpawnFds {
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  int exec_fd;  // opened by the worker, checked; executed as is (or its directory: wire::SpawnRequest::exec_name)
};

// The signals whose disposition is not SIG_DFL in this process right now
// (ignored, or handled): all the child has to reset before exec.
std::vector<int> NonDefaultSignals();

// What a warm Python process gets beyond what a script gets (warm_python.cc).
struct SpawnExtras {
  int fd3 = -1;                  // >= 0: this fd becomes the child's fd 3, kept across exec
  bool end_with_helper = false;  // SIGKILL when the helper dies (PR_SET_PDEATHSIG)
};

// `reset_signals`: what NonDefaultSignals() returned, if the caller's
// dispositions have not changed since; null: it is worked out here.
StatusOr<pid_t> SpawnScript(const wire::SpawnRequest& request, SpawnFds fds,
                            const std::vector<int>* reset_signals = nullptr, SpawnExtras extras = {});

}  // namespace cppcgi
