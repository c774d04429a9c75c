// SPDX-License-Identifier: Apache-2.0
#include "proc/process_tree.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace cppcgi {
namespace {

TEST(ProcessTreeTest, ParsesStatWithAwkwardCommandNames) {
  auto st = ParseProcStat("1234 (a) b (c)) S 77 1234 1234 0 -1 4194560 ...");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->ppid, 77);
  st = ParseProcStat("9 (sh) Z 1 9 9");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, 'Z');
  EXPECT_FALSE(ParseProcStat("9 sh S 1").has_value());
  EXPECT_FALSE(ParseProcStat("9 (sh) S").has_value());
  EXPECT_FALSE(ParseProcStat("9 (sh) S x 1").has_value());
}

TEST(ProcessTreeTest, RunsAsComparesEveryUid) {
  EXPECT_TRUE(RunsAs(getpid(), getuid()));  // the test's uids are all the same
  EXPECT_FALSE(RunsAs(getpid(), getuid() + 1));
  EXPECT_FALSE(RunsAs(0x3fffffff, getuid()));  // no such process
}

// A child (made a subreaper, as scripts are) that double-forks a grandchild
// into a new session: the grandchild stays in the child's tree.
TEST(ProcessTreeTest, DescendantsIncludeADaemonizedGrandchild) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t middle = fork();
    if (middle == 0) {
      if (fork() == 0) {
        setsid();
        pid_t me = getpid();
        (void)!write(ready[1], &me, sizeof me);
        pause();
        _exit(0);
      }
      _exit(0);  // the grandchild is orphaned
    }
    waitpid(middle, nullptr, 0);
    pause();
    _exit(0);
  }
  pid_t grandchild = 0;
  ASSERT_EQ(read(ready[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
  // Wait until the orphan has been adopted by the subreaper child.
  for (int i = 0; i < 200 && ParentOf(grandchild) != child; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(ParentOf(grandchild), child);
  std::vector<pid_t> below = Descendants(child);
  EXPECT_NE(std::find(below.begin(), below.end(), grandchild), below.end());
  EXPECT_TRUE(IsDescendantOf(grandchild, getpid()));
  EXPECT_TRUE(IsDescendantOf(grandchild, child));
  EXPECT_FALSE(IsDescendantOf(getpid(), child));
  kill(grandchild, SIGKILL);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(IsDescendantOf(grandchild, getpid()));
  close(ready[0]);
  close(ready[1]);
}

}  // namespace
// A pidfd is taken before the check, so only processes below the ancestor
// are signalled: our child is, an orphan adopted elsewhere is not.
TEST(ProcessTreeTest, SignalIfBelowSignalsOnlyProcessesBelow) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t middle = fork();
  ASSERT_GE(middle, 0);
  if (middle == 0) {
    if (fork() == 0) {
      pid_t me = getpid();
      (void)!write(ready[1], &me, sizeof me);
      pause();
      _exit(0);
    }
    _exit(0);  // its child is orphaned and adopted above us (init or a subreaper)
  }
  waitpid(middle, nullptr, 0);
  pid_t orphan = 0;
  ASSERT_EQ(read(ready[0], &orphan, sizeof orphan), static_cast<ssize_t>(sizeof orphan));
  for (int i = 0; i < 200 && ParentOf(orphan) == middle; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_NE(ParentOf(orphan), middle);

  EXPECT_FALSE(SignalIfBelow(orphan, getpid(), SIGKILL));
  EXPECT_TRUE(std::filesystem::exists("/proc/" + std::to_string(orphan)));
  EXPECT_TRUE(SignalIfBelow(child, getpid(), SIGKILL));
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(SignalIfBelow(child, getpid(), SIGKILL));  // reaped: nothing to signal
  kill(orphan, SIGKILL);
  close(ready[0]);
  close(ready[1]);
}

// A worker retires a helper only if it is a direct child of the given parent:
// our child is, its own child (a grandchild of ours) is not.
TEST(ProcessTreeTest, SignalIfChildOfSignalsOnlyDirectChildren) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pid_t grandchild = fork();
    if (grandchild == 0) {
      pause();
      _exit(0);
    }
    (void)!write(ready[1], &grandchild, sizeof grandchild);
    pause();
    _exit(0);
  }
  pid_t grandchild = 0;
  ASSERT_EQ(read(ready[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));

  EXPECT_FALSE(SignalIfChildOf(grandchild, getpid(), SIGKILL));
  EXPECT_FALSE(SignalIfChildOf(child, getppid(), SIGKILL));
  EXPECT_TRUE(std::filesystem::exists("/proc/" + std::to_string(child)));
  EXPECT_TRUE(SignalIfChildOf(grandchild, child, SIGKILL));
  EXPECT_TRUE(SignalIfChildOf(child, getpid(), SIGKILL));
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(SignalIfChildOf(child, getpid(), SIGKILL));  // reaped: nothing to signal
  close(ready[0]);
  close(ready[1]);
}

}  // namespace cppcgi
