// SPDX-License-Identifier: Apache-2.0
#include "proc/shared_stats.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <vector>

namespace cppcgi {
namespace {

TEST(SharedStatsTest, StartedScriptsAreListedUntilReaped) {
  auto stats = MapSharedStats();
  ASSERT_TRUE(stats.ok());
  SharedStats* s = *stats;
  int row = ScriptStarted(s, 4242, 17, 3, 1000000, "GET /a", "::1");
  ASSERT_GE(row, 0);
  StatsSnapshot snap = TakeSnapshot(s, 3500000);
  EXPECT_EQ(snap.scripts_started, 1u);
  EXPECT_EQ(snap.scripts_running, 1u);
  ASSERT_EQ(snap.running.size(), 1u);
  EXPECT_EQ(snap.running[0].pid, 4242);
  EXPECT_EQ(snap.running[0].helper, 17);
  EXPECT_EQ(snap.running[0].uid, static_cast<uint32_t>(geteuid()));  // whom the helper (here: this test) runs as
  EXPECT_EQ(snap.running[0].request, "GET /a");
  EXPECT_DOUBLE_EQ(snap.running[0].runtime_s, 2.5);
  ScriptReaped(s, row, W_EXITCODE(0, 0), 20000);
  snap = TakeSnapshot(s, 3500000);
  EXPECT_TRUE(snap.running.empty());
  EXPECT_EQ(snap.scripts_running, 0u);
  EXPECT_EQ(snap.exits_success, 1u);
  EXPECT_EQ(snap.duration_buckets[DurationBucket(20000)], 1u);
  EXPECT_EQ(snap.duration_sum_us, 20000u);
}

TEST(SharedStatsTest, FirstTimeIsOncePerKeyAcrossProcesses) {
  auto stats = MapSharedStats();
  ASSERT_TRUE(stats.ok());
  SharedStats* s = *stats;
  EXPECT_TRUE(FirstTime(s, 77));
  EXPECT_FALSE(FirstTime(s, 77));
  EXPECT_TRUE(FirstTime(s, 77 + kOnceSlots));  // the same slot first, then the next one
  EXPECT_FALSE(FirstTime(s, 77 + kOnceSlots));
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(FirstTime(s, 77) ? 1 : FirstTime(s, 78) ? 0 : 2);  // the mapping is shared
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(FirstTime(s, 78));
  EXPECT_TRUE(FirstTime(nullptr, 5));  // no table: every time
  EXPECT_TRUE(FirstTime(nullptr, 5));
}

TEST(SharedStatsTest, ExitOutcomesAreClassified) {
  SharedStats* s = *MapSharedStats();
  ScriptReaped(s, ScriptStarted(s, 1, 1, 0, 0, "", ""), W_EXITCODE(3, 0), 1);
  ScriptReaped(s, ScriptStarted(s, 2, 1, 0, 0, "", ""), SIGKILL, 1);  // "killed by signal 9" as from wait()
  StatsSnapshot snap = TakeSnapshot(s, 0);
  EXPECT_EQ(snap.exits_error, 1u);
  EXPECT_EQ(snap.exits_signal, 1u);
}

TEST(SharedStatsTest, LabelsAreCutToTheirRows) {
  SharedStats* s = *MapSharedStats();
  std::string long_request(1000, 'r');
  ScriptStarted(s, 5, 1, 0, 0, long_request, std::string(500, 'c'));
  StatsSnapshot snap = TakeSnapshot(s, 0);
  ASSERT_EQ(snap.running.size(), 1u);
  EXPECT_EQ(snap.running[0].request.size(), sizeof(RunningEntry::request) - 1);
  EXPECT_EQ(snap.running[0].client.size(), sizeof(RunningEntry::client) - 1);
}

TEST(SharedStatsTest, ForgetHelperUnlistsOnlyThatHelpersScripts) {
  SharedStats* s = *MapSharedStats();
  ScriptStarted(s, 10, 100, 4, 0, "a", "");
  ScriptStarted(s, 11, 100, 5, 0, "b", "");
  ScriptStarted(s, 12, 200, 6, 0, "c", "");
  std::vector<std::pair<pid_t, uint32_t>> orphans;
  EXPECT_EQ(ForgetHelper(s, 100, [&](pid_t pid, uint32_t slot) { orphans.emplace_back(pid, slot); }), 2);
  EXPECT_EQ(orphans.size(), 2u);
  StatsSnapshot snap = TakeSnapshot(s, 0);
  ASSERT_EQ(snap.running.size(), 1u);
  EXPECT_EQ(snap.running[0].pid, 12);
  EXPECT_EQ(snap.scripts_running, 1u);
}

TEST(SharedStatsTest, CountsAreSharedWithForkedProcesses) {
  SharedStats* s = *MapSharedStats();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    CountRefusal(s, 307);
    CountFailure(s, FailureReason::kBadHeaders);
    CountRefusal(s, 299);  // out of range: ignored
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  StatsSnapshot snap = TakeSnapshot(s, 0);
  EXPECT_EQ(snap.refusals[7], 1u);
  EXPECT_EQ(snap.failures[static_cast<size_t>(FailureReason::kBadHeaders)], 1u);
  uint64_t refusals = 0;
  for (uint64_t r : snap.refusals) refusals += r;
  EXPECT_EQ(refusals, 1u);
}

}  // namespace
}  // namespace cppcgi
