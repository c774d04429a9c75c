// SPDX-License-Identifier: Apache-2.0
#include "core/run_deadlines.h"

#include <gtest/gtest.h>

namespace cppcgi {
namespace {

constexpr int64_t kSec = 1000000;  // microseconds

RunMoment At(int64_t now_s) {
  RunMoment m;
  m.now_us = now_s * kSec;
  return m;
}

TEST(RunDeadlinesTest, IdleTimeoutCountsFromTheQuietStretch) {
  RunLimits limits{10000, 0};
  RunMoment m = At(100);
  m.header_clock_us = 100 * kSec;
  Wait w = PlanWait(limits, m);
  EXPECT_EQ(w.timeout_ms, 10000);
  EXPECT_EQ(w.if_quiet, QuietEnd::kIdleTimeout);
  m.quiet_ms = 4000;  // quiet for 4 s already (slices)
  EXPECT_EQ(PlanWait(limits, m).timeout_ms, 6000);
  m.quiet_ms = 20000;
  EXPECT_EQ(PlanWait(limits, m).timeout_ms, 0);
}

TEST(RunDeadlinesTest, TheHeaderSectionMustArriveWithinTheIdleTimeout) {
  RunLimits limits{10000, 0};
  RunMoment m = At(107);
  m.header_clock_us = 100 * kSec;  // 7 s since the start (or the last body write)
  m.in_headers = true;
  Wait w = PlanWait(limits, m);
  EXPECT_EQ(w.timeout_ms, 3000);
  EXPECT_EQ(w.if_quiet, QuietEnd::kIdleTimeout);
  EXPECT_EQ(HeaderTimeLeftMs(limits, m), 3000);
  m.now_us = 111 * kSec;
  EXPECT_EQ(PlanWait(limits, m).timeout_ms, 0);
  EXPECT_EQ(HeaderTimeLeftMs(limits, m), -1000);
  m.in_headers = false;  // once complete, only silence counts
  EXPECT_EQ(PlanWait(limits, m).timeout_ms, 10000);
}

TEST(RunDeadlinesTest, RunTimeLimitWhenSooner) {
  RunLimits limits{10000, 30000};
  RunMoment m = At(125);
  m.started_us = 100 * kSec;
  Wait w = PlanWait(limits, m);
  EXPECT_EQ(w.timeout_ms, 5000);
  EXPECT_EQ(w.if_quiet, QuietEnd::kRunTime);
  m.now_us = 110 * kSec;
  EXPECT_EQ(PlanWait(limits, m).if_quiet, QuietEnd::kIdleTimeout);
  m.now_us = 120 * kSec;  // both due in 10 s: the run-time limit is what ended it
  EXPECT_EQ(PlanWait(limits, m).if_quiet, QuietEnd::kRunTime);
  m.now_us = 140 * kSec;
  EXPECT_EQ(PlanWait(limits, m).timeout_ms, 0);
}

TEST(RunDeadlinesTest, OutputOverDrainsForTheGraceOnly) {
  RunLimits limits{60000, 0};
  RunMoment m = At(5);
  m.output_over = true;
  Wait w = PlanWait(limits, m);
  EXPECT_EQ(w.timeout_ms, kDrainGraceMs);
  EXPECT_EQ(w.if_quiet, QuietEnd::kOutputOver);
  limits.idle_ms = 500;  // the idle timeout is sooner still
  EXPECT_EQ(PlanWait(limits, m).if_quiet, QuietEnd::kIdleTimeout);
}

TEST(RunDeadlinesTest, StreamsWaitInSlicesAndHoldsEndOnTime) {
  RunLimits limits{60000, 0};
  RunMoment m = At(5);
  m.stream = true;
  Wait w = PlanWait(limits, m);
  EXPECT_EQ(w.timeout_ms, kStreamCheckMs);
  EXPECT_EQ(w.if_quiet, QuietEnd::kStreamCheck);
  m.hold_until_us = m.now_us + 20001;  // rounded up to 21 ms
  w = PlanWait(limits, m);
  EXPECT_EQ(w.timeout_ms, 21);
  EXPECT_EQ(w.if_quiet, QuietEnd::kHoldEnds);
  m.hold_until_us = m.now_us - 5;  // already over
  EXPECT_EQ(PlanWait(limits, m).timeout_ms, 0);
}

TEST(RunDeadlinesTest, HugeTimeoutsFitPoll) {
  RunLimits limits{int64_t{1} << 40, 0};
  EXPECT_EQ(PlanWait(limits, At(1)).timeout_ms, 2147483647);
}

}  // namespace
}  // namespace cppcgi
