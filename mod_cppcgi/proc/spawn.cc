#include "proc/spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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

enum Stage : int { kStageNone = 0, kStageChdir, kStageDup, kStageLimit, kStageExec };

const char* StageText(int stage) {
  switch (stage) {
    case kStageChdir:
      return "chdir to the script's directory";
    case kStageDup:
      return "set up stdin/stdout/stderr";
    case kStageLimit:
      return "apply RLimit* to";
    default:
      return "exec";
  }
}

}  // namespace

std::vector<int> NonDefaultSignals() {
  std::vector<int> out;
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction current {};
    if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, nullptr, &current) != 0) continue;
    if (current.sa_handler != SIG_DFL) out.push_back(sig);
  }
  return out;
}

StatusOr<pid_t> SpawnScript(const wire::SpawnRequest& request, SpawnFds fds, const std::vector<int>* reset_signals) {
  for (int fd : {fds.stdin_fd, fds.stdout_fd, fds.stderr_fd, fds.exec_fd}) {
    if (fd <= 2) return Status(Code::kInvalidArgument, "script fds must not be 0, 1 or 2 in the helper");
  }
  // Defence in depth: the worker checked it; it must still be a regular file.
  struct stat st;
  if (::fstat(fds.exec_fd, &st) != 0 || !S_ISREG(st.st_mode))
    return Status(Code::kInvalidArgument, "the executable passed for '" + request.path + "' is not a regular file");

  // Everything the child needs is built before vfork(): it may only make syscalls.
  std::vector<char*> argv = CStrings(request.argv);
  std::vector<char*> envp = CStrings(request.env);
  const char* volatile cwd = request.cwd.empty() ? nullptr : request.cwd.c_str();
  sigset_t empty;
  sigemptyset(&empty);
  std::vector<std::pair<int, rlimit>> limits;
  for (const wire::Limit& l : request.limits) {
    if (l.resource != RLIMIT_CPU && l.resource != RLIMIT_AS && l.resource != RLIMIT_NPROC)
      return Status(Code::kInvalidArgument, "unsupported resource limit " + std::to_string(l.resource));
    limits.emplace_back(l.resource, rlimit{static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)});
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  std::vector<int> all_signals;
  if (reset_signals == nullptr) {
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) all_signals.push_back(sig);
    }
  }
  const std::vector<int>& resets = reset_signals != nullptr ? *reset_signals : all_signals;
  const int* const reset_list = resets.data();
  const size_t reset_count = resets.size();
  volatile int child_errno = 0;
  volatile int child_stage = kStageNone;

  pid_t pid = vfork();
  if (pid == 0) {
    // The child shares our memory until it execs: syscalls only, then _exit.
    // (A handler would also be reset by exec, but could run here first.)
    for (size_t i = 0; i < reset_count; ++i) sigaction(reset_list[i], &dfl, nullptr);
    // Its own process group, not its own session: with the scheduler's
    // autogroups on (Debian's default), every setsid() creates a scheduling
    // group of its own, which costs ~0.2 ms of CPU per script and gives each
    // script as much CPU as all of httpd (measured: 2,270 vs 3,260 req/s).
    setpgid(0, 0);
    // The script adopts its orphaned descendants (kept across exec), so its
    // whole tree stays below it and can be ended with it (process_tree.h).
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (dup2(fds.stdin_fd, 0) < 0 || dup2(fds.stdout_fd, 1) < 0 || dup2(fds.stderr_fd, 2) < 0) {
      child_errno = errno;
      child_stage = kStageDup;
      _exit(127);
    }
    if (cwd != nullptr && chdir(cwd) != 0) {
      child_errno = errno;
      child_stage = kStageChdir;
      _exit(127);
    }
    for (const auto& [resource, value] : limits) {
      if (setrlimit(static_cast<__rlimit_resource_t>(resource), &value) != 0) {
        child_errno = errno;
        child_stage = kStageLimit;
        _exit(127);
      }
    }
    // Close-on-exec for every fd above 2, inherited ones included; exec_fd
    // stays usable until execveat() itself has opened it.
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    syscall(SYS_execveat, fds.exec_fd, "", argv.data(), envp.data(), AT_EMPTY_PATH);
    child_errno = errno;
    child_stage = kStageExec;
    _exit(127);
  }
  if (pid < 0) return Status::System("vfork", errno);
  if (child_stage != kStageNone) {
    int err = child_errno;
    int stage = child_stage;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return Status::System(std::string(StageText(stage)) + " of '" + request.path + "' failed", err);
  }
  return pid;
}

}  // namespace cppcgi
