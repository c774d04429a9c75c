// SPDX-License-Identifier: Apache-2.0
#include "core/run_deadlines.h"

#include <algorithm>

namespace cppcgi {
namespace {

// Lowers the wait to `left_ms` (at least 0) if that is sooner, with its meaning.
void Sooner(int64_t left_ms, QuietEnd end, bool ties_win, int64_t* timeout, QuietEnd* meaning) {
  if (left_ms < *timeout || (ties_win && left_ms == *timeout)) {
    *timeout = std::max<int64_t>(left_ms, 0);
    *meaning = end;
  }
}

}  // namespace

int64_t HeaderTimeLeftMs(const RunLimits& limits, const RunMoment& m) {
  return limits.idle_ms - (m.now_us - m.header_clock_us) / 1000;
}

Wait PlanWait(const RunLimits& limits, const RunMoment& m) {
  // The idle timeout counts from the start of the quiet stretch (a stretch
  // can span several sliced waits); the other limits have fixed deadlines.
  int64_t timeout = std::max<int64_t>(limits.idle_ms - m.quiet_ms, 0);
  QuietEnd meaning = QuietEnd::kIdleTimeout;
  // The whole header section must arrive within the idle timeout (counted
  // from the start, or from the last request-body write): a script that
  // trickles its headers, or chatters on stderr, cannot hold a worker.
  if (m.in_headers) Sooner(HeaderTimeLeftMs(limits, m), QuietEnd::kIdleTimeout, false, &timeout, &meaning);
  // When both are due at once, the run-time limit is what ended it.
  if (limits.max_run_ms > 0)
    Sooner(limits.max_run_ms - (m.now_us - m.started_us) / 1000, QuietEnd::kRunTime, true, &timeout, &meaning);
  // Once the script has exited or closed stdout, what is left open belongs
  // to a process that may never close it (a daemonised grandchild, a script
  // lingering with stderr open): read on only while it keeps coming.
  if (m.output_over) Sooner(std::max<int64_t>(kDrainGraceMs - m.quiet_ms, 0), QuietEnd::kOutputOver, true, &timeout,
                            &meaning);
  // An HTTP/2 stream has no socket of its own to watch: it waits in slices.
  if (m.stream && timeout > kStreamCheckMs) {
    timeout = kStreamCheckMs;
    meaning = QuietEnd::kStreamCheck;
  }
  // A short hold of the response's start ends at its deadline (rounded up).
  if (m.hold_until_us != 0)
    Sooner((m.hold_until_us - m.now_us + 999) / 1000, QuietEnd::kHoldEnds, false, &timeout, &meaning);
  return Wait{static_cast<int>(std::min<int64_t>(timeout, 2147483647)), meaning};
}

}  // namespace cppcgi
