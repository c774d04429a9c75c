// Starts one CGI script with vfork() + execveat(exec_fd, "", AT_EMPTY_PATH):
// no copy of the helper's address space, and the file that runs is the one
// the worker opened and checked (the script binary, or its interpreter).
// The script gets the given pipe ends as 0, 1 and 2 and nothing else
// (everything else is marked close-on-exec, inherited fds included), its own
// process group (in the helper's session: see spawn.cc), an empty signal mask and default signal
// dispositions, and the requested working directory.
#pragma once

#include <sys/types.h>

#include "core/status.h"
#include "core/wire.h"

namespace cppcgi {

struct SpawnFds {
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  int exec_fd;  // opened by the worker, checked; executed as is
};

StatusOr<pid_t> SpawnScript(const wire::SpawnRequest& request, SpawnFds fds);

}  // namespace cppcgi
