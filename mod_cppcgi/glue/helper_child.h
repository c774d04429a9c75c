// SPDX-License-Identifier: Apache-2.0
// What a helper does between httpd's parent forking it and its loop
// (proc/helper/helper_main.h): default signal dispositions, only its own fds
// kept, its credentials (User and Group, or a SuexecUserGroup identity with
// its supplementary groups, keeping CAP_KILL only where the suEXEC wrapper
// may run), death with the parent, httpd's mappings dropped.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace cppcgi {

struct ScriptCounters;

struct HelperChildSetup {
  int listen_fd;
  int lifeline_fd;
  pid_t parent_pid;  // httpd's parent: the helper exits at once if it is already gone
  ScriptCounters* counters;
  bool identity;     // runs as uid/gid (with user's groups) instead of User
  uint32_t uid;
  uint32_t gid;
  std::string user;  // for the supplementary groups; "" : none
};

// Runs in the freshly forked helper; never returns.
[[noreturn]] void RunHelperChild(const HelperChildSetup& setup);

}  // namespace cppcgi
