// SPDX-License-Identifier: Apache-2.0
#include "proc/helper/kill_capability.h"

#include <gtest/gtest.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <string>

namespace cppcgi {
namespace {

constexpr uint32_t kNobody = 65534;

// A capability set of this process from /proc/self/status ("CapEff", ...).
unsigned long long CapSet(const std::string& name) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) return std::stoull(line.substr(name.size() + 1), nullptr, 16);
  }
  return ~0ULL;
}

// Runs `body` in a child that became nobody (keeping capabilities or not);
// the child's exit code is body's result.
int AsNobody(bool keep, int (*body)()) {
  pid_t pid = fork();
  if (pid == 0) {
    if (keep && !KeepCapabilitiesAcrossSetuid().ok()) _exit(90);
    if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(91);
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

TEST(KillCapability, KeptAcrossTheSwitchAndNothingElse) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  EXPECT_EQ(AsNobody(true, [] {
              if (!RetainOnlyCapKill().ok()) return 1;
              if (!HasCapKill()) return 2;
              if (CapSet("CapEff") != (1ULL << 5) || CapSet("CapPrm") != (1ULL << 5)) return 3;
              if (CapSet("CapInh") != 0 || CapSet("CapAmb") != 0) return 4;
              // What it is for: permission to signal a process of another user (signal 0 only checks).
              if (kill(1, 0) != 0) return 5;
              return 0;
            }),
            0);
}

TEST(KillCapability, WithoutKeepingThereIsNothingToRetain) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  EXPECT_EQ(AsNobody(false, [] {
              if (RetainOnlyCapKill().ok()) return 1;  // capset of a capability not held fails
              if (HasCapKill() || CapSet("CapPrm") != 0) return 2;
              if (kill(1, 0) == 0 || errno != EPERM) return 3;
              return 0;
            }),
            0);
}

}  // namespace
}  // namespace cppcgi
