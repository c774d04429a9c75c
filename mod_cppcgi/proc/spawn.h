// Starts one CGI script with posix_spawn (clone(CLONE_VFORK) in glibc: no
// copy of the helper's address space). The script gets the given fds as
// 0, 1 and 2 and nothing else (everything in a helper is close-on-exec),
// (close-on-exec, and closefrom(3) for anything inherited), its own session and process group, an empty signal mask and default
// signal dispositions, and the requested working directory.
#pragma once

#include <sys/types.h>

#include "core/status.h"
#include "core/wire.h"

namespace cppcgi {

struct SpawnFds {
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
};

StatusOr<pid_t> SpawnScript(const wire::SpawnRequest& request, SpawnFds fds);

}  // namespace cppcgi
