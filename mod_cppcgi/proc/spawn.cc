#include "proc/spawn.h"

#include <signal.h>
#include <spawn.h>

#include <cerrno>
#include <vector>

namespace cppcgi {
namespace {

std::vector<char*> CStrings(const std::vector<std::string>& list) {
  std::vector<char*> out;
  out.reserve(list.size() + 1);
  for (const auto& s : list) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

class SpawnAttrs {
 public:
  SpawnAttrs() {
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnAttrs() {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnAttrs(const SpawnAttrs&) = delete;
  SpawnAttrs& operator=(const SpawnAttrs&) = delete;
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

}  // namespace

StatusOr<pid_t> SpawnScript(const wire::SpawnRequest& request, SpawnFds fds) {
  if (fds.stdin_fd <= 2 || fds.stdout_fd <= 2 || fds.stderr_fd <= 2)
    return Status(Code::kInvalidArgument, "script pipe fds must not be 0, 1 or 2 in the helper");
  SpawnAttrs a;
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  int rc = posix_spawnattr_setflags(
      &a.attr_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&a.attr_, &empty);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&a.attr_, &all);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&a.actions_, fds.stdin_fd, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&a.actions_, fds.stdout_fd, 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&a.actions_, fds.stderr_fd, 2);
  // Close-on-exec covers what this process opens; closefrom also covers
  // anything it inherited without the flag: the script gets 0, 1, 2 only.
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&a.actions_, 3);
  if (rc == 0 && !request.cwd.empty())
    rc = posix_spawn_file_actions_addchdir_np(&a.actions_, request.cwd.c_str());
  if (rc != 0) return Status::System("posix_spawn setup", rc);

  std::vector<char*> argv = CStrings(request.argv);
  std::vector<char*> envp = CStrings(request.env);
  pid_t pid = -1;
  rc = posix_spawn(&pid, request.path.c_str(), &a.actions_, &a.attr_, argv.data(), envp.data());
  if (rc != 0) return Status::System("exec of '" + request.path + "' failed", rc);
  return pid;
}

}  // namespace cppcgi
