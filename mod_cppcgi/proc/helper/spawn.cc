// SPDX-License-Identifier: Apache-2.0
#include "proc/helper/spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

enum Stage : int { kStageNone = 0, kStageFdTable, kStageChdir, kStageDup, kStageLimit, kStageExec };

const char* StageText(int stage) {
  switch (stage) {
    case kStageFdTable:
      return "set up the fd table";
    case kStageChdir:
      return "chdir to the script's directory";
    case kStageDup:
      return "set up stdin/stdout/stderr";
    case kStageLimit:
      return "apply the RLimit* limits";
    default:
      return "exec";
  }
}

// What the child needs, built before clone(): it may only make syscalls.
struct ChildArgs {
  int max_fd;  // the highest of the four fds below
  SpawnFds fds;
  const char* cwd;
  const char* exec_name;  // null: exec fds.exec_fd itself; else this name in that directory
  char* const* argv;
  char* const* envp;
  const std::pair<int, rlimit>* limits;
  size_t limit_count;
  const int* reset_list;
  size_t reset_count;
  SpawnExtras extras;
  sigset_t empty;
  volatile int child_errno;
  volatile int child_stage;
};

[[noreturn]] void ChildFailed(ChildArgs* a, int stage) {
  a->child_errno = errno;
  a->child_stage = stage;
  _exit(127);
}

int ChildMain(void* arg) {
  auto* a = static_cast<ChildArgs*>(arg);
  // The fd table is shared with the (suspended) helper until here. Take a
  // copy of only the fds up to the highest one the script needs: not the
  // helper's kept worker connections, which it keeps at high numbers
  // (helper_main.cc). Copying them all, as fork/vfork do, costs time per
  // open fd on every spawn. Before Linux 5.9: a full copy.
  if (syscall(SYS_close_range, static_cast<unsigned>(a->max_fd) + 1, ~0U, CLOSE_RANGE_UNSHARE) != 0 &&
      unshare(CLONE_FILES) != 0) {
    ChildFailed(a, kStageFdTable);
  }
  // The child shares our memory until it execs: syscalls only, then _exit.
  // (A handler would also be reset by exec, but could run here first.)
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (size_t i = 0; i < a->reset_count; ++i) sigaction(a->reset_list[i], &dfl, nullptr);
  // Its own process group, not its own session: with the scheduler's
  // autogroups on (Debian's default), every setsid() creates a scheduling
  // group of its own, which is costly to make and gives each script as
  // much CPU as all of httpd (the figures: tests/bench/ANALYSIS.md).
  setpgid(0, 0);
  if (a->extras.end_with_helper) prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The script adopts its orphaned descendants (kept across exec), so its
  // whole tree stays below it and can be ended with it (process_tree.h).
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  if (dup2(a->fds.stdin_fd, 0) < 0 || dup2(a->fds.stdout_fd, 1) < 0 || dup2(a->fds.stderr_fd, 2) < 0)
    ChildFailed(a, kStageDup);
  int exec_fd = a->fds.exec_fd;
  if (a->extras.fd3 >= 0 && exec_fd == 3 && (exec_fd = fcntl(exec_fd, F_DUPFD_CLOEXEC, 4)) < 0)
    ChildFailed(a, kStageDup);  // out of the way of fd 3, placed below
  if (a->exec_name != nullptr) {
    if (fchdir(exec_fd) != 0) ChildFailed(a, kStageChdir);  // the directory that was checked
  } else if (a->cwd != nullptr && chdir(a->cwd) != 0) {
    ChildFailed(a, kStageChdir);
  }
  for (size_t i = 0; i < a->limit_count; ++i) {
    if (setrlimit(static_cast<__rlimit_resource_t>(a->limits[i].first), &a->limits[i].second) != 0)
      ChildFailed(a, kStageLimit);
  }
  // Close-on-exec for every fd above 2, inherited ones included; exec_fd
  // stays usable until execveat() itself has opened it.
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  if (a->extras.fd3 == 3 ? fcntl(3, F_SETFD, 0) != 0 : a->extras.fd3 >= 0 && dup2(a->extras.fd3, 3) != 3)
    ChildFailed(a, kStageDup);
  sigprocmask(SIG_SETMASK, &a->empty, nullptr);
  if (a->exec_name != nullptr) {
    // Relative to the working directory (not to the fd, which would hand a
    // #! interpreter a /dev/fd path that is closed by then).
    syscall(SYS_execveat, AT_FDCWD, a->exec_name, a->argv, a->envp, AT_SYMLINK_NOFOLLOW);
  } else {
    syscall(SYS_execveat, exec_fd, "", a->argv, a->envp, AT_EMPTY_PATH);
  }
  ChildFailed(a, kStageExec);
}

// The child's stack: one per thread, reused (CLONE_VFORK: the next spawn
// on this thread starts only after the last child has exec'd or exited).
char* ChildStackTop() {
  constexpr size_t kStackSize = 64 * 1024;
  constexpr size_t kGuard = 4096;
  thread_local char* top = nullptr;
  if (top == nullptr) {
    void* p = mmap(nullptr, kStackSize + kGuard, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    (void)mprotect(p, kGuard, PROT_NONE);  // stacks grow down: an overflow faults
    top = static_cast<char*>(p) + kGuard + kStackSize;
  }
  return top;
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

StatusOr<pid_t> SpawnScript(const wire::SpawnRequest& request, SpawnFds fds, const std::vector<int>* reset_signals,
                            SpawnExtras extras) {
  int max_fd = 0;
  for (int fd : {fds.stdin_fd, fds.stdout_fd, fds.stderr_fd, fds.exec_fd, extras.fd3 < 0 ? 3 : extras.fd3}) {
    if (fd <= 2) return Status(Code::kInvalidArgument, "script fds must not be 0, 1 or 2 in the helper");
    max_fd = std::max(max_fd, fd);
  }
  // Defence in depth: the worker checked it; it must still be a regular file.
  struct stat st;
  bool by_name = !request.exec_name.empty();
  if (by_name) {
    if (::fstat(fds.exec_fd, &st) != 0 || !S_ISDIR(st.st_mode) ||
        ::fstatat(fds.exec_fd, request.exec_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return Status(Code::kInvalidArgument, "the directory passed for '" + request.path + "' has no such file");
  } else if (::fstat(fds.exec_fd, &st) != 0) {
    return Status::System("fstat of the executable passed for '" + request.path + "'", errno);
  }
  if (!S_ISREG(st.st_mode))
    return Status(Code::kInvalidArgument, "the executable passed for '" + request.path + "' is not a regular file");

  std::vector<char*> argv = CStrings(request.argv);
  std::vector<char*> envp = CStrings(request.env);
  std::vector<std::pair<int, rlimit>> limits;
  for (const wire::Limit& l : request.limits) {
    if (l.resource != RLIMIT_CPU && l.resource != RLIMIT_AS && l.resource != RLIMIT_NPROC)
      return Status(Code::kInvalidArgument, "unsupported resource limit " + std::to_string(l.resource));
    limits.emplace_back(l.resource, rlimit{static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)});
  }
  std::vector<int> own_list;
  if (reset_signals == nullptr) own_list = NonDefaultSignals();  // the caller did not keep one
  const std::vector<int>& resets = reset_signals != nullptr ? *reset_signals : own_list;
  char* stack = ChildStackTop();
  if (stack == nullptr) return Status::System("mmap for the spawn stack", errno);

  ChildArgs args{};
  args.max_fd = max_fd;
  args.fds = fds;
  args.cwd = request.cwd.empty() ? nullptr : request.cwd.c_str();
  args.exec_name = by_name ? request.exec_name.c_str() : nullptr;
  args.argv = argv.data();
  args.envp = envp.data();
  args.limits = limits.data();
  args.limit_count = limits.size();
  args.reset_list = resets.data();
  args.reset_count = resets.size();
  args.extras = extras;
  sigemptyset(&args.empty);
  args.child_stage = kStageNone;

  // As vfork (no copy of our memory; we wait until it has exec'd), but on
  // its own stack and sharing the fd table until it takes its small copy.
  pid_t pid = clone(ChildMain, stack, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &args);
  if (pid < 0) return Status::System("clone", errno);
  if (args.child_stage != kStageNone) {
    int err = args.child_errno;
    int stage = args.child_stage;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return Status::System(std::string(StageText(stage)) + " of '" + request.path + "' failed", err);
  }
  return pid;
}

}  // namespace cppcgi
