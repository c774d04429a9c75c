// SPDX-License-Identifier: Apache-2.0
#include "proc/suexec_wrapper.h"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <vector>

#include "core/unique_fd.h"

namespace cppcgi {
namespace {

constexpr size_t kMaxOutput = 16384;

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

std::optional<std::string> RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

}  // namespace

StatusOr<std::string> AskSuexecSettings(const std::string& wrapper, int timeout_ms) {
  auto pipe = MakePipe();
  if (!pipe.ok()) return pipe.status();
  UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devnull) return Status::System("open /dev/null", errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, devnull.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, devnull.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe->second.get(), STDERR_FILENO);
  std::vector<char*> argv = {const_cast<char*>(wrapper.c_str()), const_cast<char*>("-V"), nullptr};
  char* envp[] = {nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, wrapper.c_str(), &actions, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Status::System("spawn " + wrapper + " -V", rc);
  pipe->second.reset();
  std::string out;
  int64_t deadline = NowMs() + timeout_ms;
  bool timed_out = false;
  for (;;) {
    pollfd p{pipe->first.get(), POLLIN, 0};
    int left = static_cast<int>(std::max<int64_t>(deadline - NowMs(), 0));
    int ready = ::poll(&p, 1, left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = true;
      break;
    }
    char buf[4096];
    ssize_t n = ::read(pipe->first.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.size() < kMaxOutput) out.append(buf, static_cast<size_t>(std::min<size_t>(n, kMaxOutput - out.size())));
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return Status(Code::kUnavailable, wrapper + " -V did not answer within " + std::to_string(timeout_ms) + " ms");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Status(Code::kUnavailable, wrapper + " -V refused to answer (exit status " +
                                          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  return out;
}

std::optional<SuexecLimits> SuexecLimitsFor(const SuexecSettings& settings, const SuexecTarget& target) {
  SuexecLimits limits{settings.min_uid, settings.min_gid, {}};
  if (!target.userdir && !settings.real_doc_root.empty()) {
    limits.root = settings.real_doc_root;
    return limits;
  }
  std::string root = settings.doc_root;
  if (target.userdir) {
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (getpwuid_r(target.uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) return std::nullopt;
    root = std::string(pw.pw_dir) + "/" + settings.userdir_suffix;
  }
  auto real = RealPath(root);
  if (!real) return std::nullopt;
  limits.root = *real;
  return limits;
}

void ResolveDocRoot(SuexecSettings* settings) {
  settings->real_doc_root = RealPath(settings->doc_root).value_or(std::string());
}

}  // namespace cppcgi
