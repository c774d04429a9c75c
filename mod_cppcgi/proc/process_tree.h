// SPDX-License-Identifier: Apache-2.0
// Who descends from whom, read from /proc (this kernel may lack
// /proc/PID/task/TID/children, so every /proc/PID/stat is read). Used to end
// a script's whole tree: scripts are child subreapers (set before exec), so
// a grandchild whose parent exits is adopted by the script, and by the
// helper once the script is gone; a setsid() or a double fork cannot leave
// the tree.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>
#include <vector>

namespace cppcgi {

struct ProcStat {
  char state = '?';  // R, S, D, Z (zombie), ...
  pid_t ppid = 0;
};
// Parses the text of /proc/PID/stat ("pid (comm) state ppid ..."; comm may
// hold spaces and parentheses).
std::optional<ProcStat> ParseProcStat(std::string_view stat);

// The parent of a process that exists (zombies included).
std::optional<pid_t> ParentOf(pid_t pid);

// Every process below the roots (not the roots themselves), parents before
// children, from one read of /proc.
std::vector<pid_t> Descendants(const std::vector<pid_t>& roots);
inline std::vector<pid_t> Descendants(pid_t root) { return Descendants(std::vector<pid_t>{root}); }

// True if every uid of `pid` (real, effective, saved, fs) is `uid`.
bool RunsAs(pid_t pid, uid_t uid);

// True if `pid` is alive (not a zombie) and `ancestor` is on its parent chain.
bool IsDescendantOf(pid_t pid, pid_t ancestor);

// Sends `sig` to `pid` only if it is below `ancestor`, through a pidfd taken
// before the check: if the process ends and its number is reused between the
// check and the signal, the signal goes nowhere rather than to the newcomer.
// (Helpers may hold CAP_KILL, so a stray signal could reach any process.)
// True if the signal was sent.
bool SignalIfBelow(pid_t pid, pid_t ancestor, int sig);

// The same, for a direct child of `parent` only (a worker retiring a helper:
// both are children of httpd's parent).
bool SignalIfChildOf(pid_t pid, pid_t parent, int sig);

}  // namespace cppcgi
