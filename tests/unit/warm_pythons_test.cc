// SPDX-License-Identifier: Apache-2.0
// WarmPythons, in this process as a helper uses it, with a real python3 and
// the clock passed in: a warm process starts (the request meanwhile runs
// the normal way), says ready, starts a script as this process's child,
// and is ended when idle or replaced when old, without waiting for either.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "core/unique_fd.h"
#include "core/wire.h"
#include "proc/channel.h"
#include "proc/helper/warm_python.h"
#include "read_all.h"

namespace cppcgi {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

using test_io::ReadAll;

// This process's children that are warm Python processes (their -c program says so).
std::vector<pid_t> WarmChildren() {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(line.c_str() + paren + 1, " %c %d", &state, &ppid) != 2 || ppid != ::getpid() || state == 'Z')
      continue;
    std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
    std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (args.find("mod_cppcgi's warm Python process") != std::string::npos) out.push_back(pid);
  }
  ::closedir(d);
  return out;
}

// Whether `pid` (our child) exits within 10 s; it is reaped.
bool ExitsSoon(pid_t pid) {
  for (int i = 0; i < 1000; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return false;
}

class WarmPythonsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
    char tmpl[] = "/tmp/cppcgi-warm-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    script_ = dir_ + "/hello.py";
    std::ofstream(script_) << "import sys\nprint('hello', sys.argv[1:])\n";
    interpreter_.reset(::open("/usr/bin/python3", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(interpreter_.valid());
  }
  void TearDown() override {
    for (pid_t pid : WarmChildren()) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    ::unlink(script_.c_str());
    ::rmdir(dir_.c_str());
  }

  wire::SpawnRequest Request() const {
    wire::SpawnRequest req;
    req.path = script_;
    req.cwd = dir_;
    req.argv = {"/usr/bin/python3", script_, "x"};
    req.env = {"PATH=/usr/bin:/bin", "GATEWAY_INTERFACE=CGI/1.1"};
    req.warm_python = true;
    return req;
  }

  // Asks `warm` to start the script at `now`; on kStarted, its output.
  WarmPythons::Outcome Run(WarmPythons& warm, int64_t now, std::string* output) {
    auto in = MakePipe(), out = MakePipe(), err = MakePipe();
    EXPECT_TRUE(in.ok() && out.ok() && err.ok());
    auto outcome = warm.Spawn(Request(), SpawnFds{in->first.get(), out->second.get(), err->second.get(),
                                                  interpreter_.get()}, now);
    in->first.reset();
    in->second.reset();
    out->second.reset();
    err->second.reset();
    if (outcome.kind == WarmPythons::Outcome::Kind::kStarted) {
      *output = ReadAll(out->first.get());
      int status = 0;
      EXPECT_EQ(::waitpid(outcome.pid, &status, 0), outcome.pid) << "the script is this process's child";
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    }
    return outcome;
  }

  // Waits for the control socket's "ready" and passes it on.
  static void AwaitReady(WarmPythons& warm, int fd) {
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 20000), 1) << "no answer from the warm process";
    warm.OnReadable(fd);
  }

  std::string dir_, script_;
  UniqueFd interpreter_;
  std::vector<int> watched_;
  std::vector<std::string> logged_;
  WarmPythons::LogFn log_ = [this](HelperLogLevel, std::string_view line) { logged_.emplace_back(line); };
  WarmPythons::WatchFn watch_ = [this](int fd) {
    watched_.push_back(fd);
    return true;
  };
};

TEST_F(WarmPythonsTest, StartsThenServesAndEndsWhenIdle) {
  WarmPythons warm(log_, watch_);
  EXPECT_EQ(warm.NextSweepUs(), kNever);
  const int64_t t0 = 1'000'000;
  std::string output;
  EXPECT_EQ(Run(warm, t0, &output).kind, WarmPythons::Outcome::Kind::kNotWarm) << "it is only starting";
  ASSERT_EQ(watched_.size(), 1u);
  ASSERT_EQ(warm.count(), 1u);
  std::vector<pid_t> started = WarmChildren();
  ASSERT_EQ(started.size(), 1u) << "the warm process is this process's child (spawn.cc)";
  std::ifstream environ_file("/proc/" + std::to_string(started[0]) + "/environ");
  std::string environ_text(1, '\0');  // each entry between NULs
  environ_text.append(std::istreambuf_iterator<char>(environ_file), std::istreambuf_iterator<char>());
  EXPECT_NE(environ_text.find(std::string("\0LD_BIND_NOW=1\0", 15)), std::string::npos)
      << "its symbols bound once, not in each script process";
  EXPECT_EQ(warm.NextSweepUs(), kNever) << "not ready yet: nothing to sweep";
  AwaitReady(warm, watched_[0]);
  EXPECT_EQ(warm.NextSweepUs(), t0 + WarmPythons::kMaxIdleUs);

  const int64_t t1 = t0 + 5'000'000;
  auto outcome = Run(warm, t1, &output);
  ASSERT_EQ(outcome.kind, WarmPythons::Outcome::Kind::kStarted) << outcome.what;
  EXPECT_EQ(output, "hello ['x']\n");
  EXPECT_EQ(warm.NextSweepUs(), t1 + WarmPythons::kMaxIdleUs) << "used now: idle from now";

  warm.Sweep(t1 + WarmPythons::kMaxIdleUs - 1);
  EXPECT_EQ(warm.count(), 1u);
  warm.Sweep(t1 + WarmPythons::kMaxIdleUs);
  EXPECT_EQ(warm.count(), 0u);
  EXPECT_EQ(warm.NextSweepUs(), kNever);
  EXPECT_TRUE(ExitsSoon(started[0])) << "an ended warm process exits (EOF on its socket)";
  EXPECT_TRUE(logged_.empty()) << logged_.front();
}

TEST_F(WarmPythonsTest, AnOldProcessIsReplacedAndTheScriptRunsTheNormalWay) {
  WarmPythons warm(log_, watch_);
  const int64_t t0 = 1'000'000;
  std::string output;
  Run(warm, t0, &output);
  ASSERT_EQ(watched_.size(), 1u);
  AwaitReady(warm, watched_[0]);
  std::vector<pid_t> first = WarmChildren();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(Run(warm, t0 + WarmPythons::kMaxAgeUs - 1, &output).kind, WarmPythons::Outcome::Kind::kStarted);

  EXPECT_EQ(Run(warm, t0 + WarmPythons::kMaxAgeUs, &output).kind, WarmPythons::Outcome::Kind::kNotWarm)
      << "too old: ended, its successor starting";
  EXPECT_TRUE(ExitsSoon(first[0]));
  ASSERT_EQ(watched_.size(), 2u);
  EXPECT_EQ(warm.count(), 1u);
  AwaitReady(warm, watched_[1]);
  EXPECT_EQ(Run(warm, t0 + WarmPythons::kMaxAgeUs + 1, &output).kind, WarmPythons::Outcome::Kind::kStarted);
  EXPECT_EQ(output, "hello ['x']\n");
}

}  // namespace
}  // namespace cppcgi
