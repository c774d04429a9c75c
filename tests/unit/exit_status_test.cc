// SPDX-License-Identifier: Apache-2.0
#include "core/exit_status.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

namespace cppcgi {
namespace {

int StatusOfChild(void (*body)()) {
  pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(99);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(ExitStatusTest, DescribesExitAndSignal) {
  int three = StatusOfChild([] { _exit(3); });
  EXPECT_EQ(DescribeWaitStatus(three), "exited with status 3");
  EXPECT_FALSE(ExitedCleanly(three));
  int zero = StatusOfChild([] { _exit(0); });
  EXPECT_TRUE(ExitedCleanly(zero));
  int killed = StatusOfChild([] { raise(SIGKILL); });
  EXPECT_EQ(DescribeWaitStatus(killed), "was killed by signal 9 (Killed)");
}

}  // namespace
}  // namespace cppcgi
