// SPDX-License-Identifier: Apache-2.0
// A helper's warm Python processes (CppCgiPythonPreload): started on the
// first request that may use one, kept per key (core/python_preload.h's
// WarmProcessKey), asked to fork each script. The script is the helper's
// child (warm_python.py clones it with CLONE_PARENT), which reaps it and
// ends its tree as any other: only how it starts differs. A request that
// cannot use a ready warm process runs the normal way; so does every
// request while its warm process starts. A warm process is replaced after
// kMaxScripts scripts or kMaxAge, and ended after kMaxIdle unused (which
// also ends one whose interpreter was replaced on disk: its key names the
// old file).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/unique_fd.h"
#include "core/wire.h"
#include "proc/helper/helper_main.h"
#include "proc/helper/spawn.h"

namespace cppcgi {

class WarmPythons {
 public:
  static constexpr int kMaxScripts = 1000;
  static constexpr int64_t kMaxAgeUs = 10 * 60 * 1000000LL;
  static constexpr int64_t kMaxIdleUs = 10 * 60 * 1000000LL;
  static constexpr size_t kMaxProcesses = 8;  // per helper
  static constexpr int kReplyTimeoutMs = 5000;
  static constexpr int64_t kRetryAfterUs = 60 * 1000000LL;  // after a start that failed

  using LogFn = std::function<void(HelperLogLevel, std::string_view)>;
  using WatchFn = std::function<bool(int fd)>;  // adds a control socket to the helper's epoll set
  WarmPythons(LogFn log, WatchFn watch) : log_(std::move(log)), watch_(std::move(watch)) {}

  struct Outcome {
    enum class Kind { kNotWarm, kStarted, kFailed } kind = Kind::kNotWarm;
    pid_t pid = 0;       // kStarted
    int sys_errno = 0;   // kFailed
    std::string what;    // kFailed
  };
  // Has a warm process start `request`'s script on `fds` (exec_fd: the
  // checked interpreter), or says why the script must run the normal way.
  Outcome Spawn(const wire::SpawnRequest& request, SpawnFds fds, int64_t now_us);

  bool Owns(int fd) const { return by_fd_.count(fd) != 0; }
  // Its control socket is readable: "ready", "failed ...", or it is gone.
  void OnReadable(int fd);
  size_t count() const { return processes_.size(); }
  // Ends the processes idle for kMaxIdle; the helper's loop calls it when
  // NextSweepUs() (INT64_MAX: nothing to end) has come.
  void Sweep(int64_t now_us);
  int64_t NextSweepUs() const;

 private:
  struct Process {
    pid_t pid = 0;
    UniqueFd control;
    bool ready = false;
    int64_t started_us = 0;
    int64_t used_us = 0;
    int scripts = 0;
  };
  void Start(const std::string& key, const wire::SpawnRequest& request, const std::string& flags, int exec_fd,
             int64_t now_us);
  void End(const std::string& key);

  LogFn log_;
  WatchFn watch_;
  std::map<std::string, Process> processes_;
  std::map<int, std::string> by_fd_;            // control socket -> key
  std::map<std::string, int64_t> failed_until_;  // a key whose process failed at start: not retried before
};

// warm_python.py, built in.
extern const char kWarmPythonSource[];

}  // namespace cppcgi
