// SPDX-License-Identifier: Apache-2.0
// The deadlines of one script run, in one place: how long the worker may
// wait for the next event (script output, the request body moving on, the
// helper's exit report, the client resetting), and what it means when that
// wait ends with nothing. Pure arithmetic over the run's times.
#pragma once

#include <cstdint>

namespace cppcgi {

// After the script exited or closed stdout: how long a silence ends the output.
inline constexpr int64_t kDrainGraceMs = 1000;
// How often a waiting HTTP/2 stream looks whether its client reset it.
inline constexpr int64_t kStreamCheckMs = 200;

struct RunLimits {
  int64_t idle_ms = 0;       // CppCgiIdleTimeout (or CGIScriptTimeout, or Timeout), resolved
  int64_t max_run_ms = 0;    // CppCgiMaxRunTime; 0: none
};

// Where the run is, in microseconds of one clock.
struct RunMoment {
  int64_t now_us = 0;
  int64_t started_us = 0;       // when the script was handed to a helper
  int64_t header_clock_us = 0;  // the header section's deadline counts from here: the start, or the last body write
  int64_t quiet_ms = 0;         // how long it has been quiet already (an HTTP/2 stream's waits come in slices)
  bool in_headers = false;      // the header section is not complete yet
  bool output_over = false;     // the script exited or closed stdout: what is left is drained
  bool stream = false;          // an HTTP/2 stream: it waits in slices (kStreamCheckMs)
  int64_t hold_until_us = 0;    // a short hold of the response's start ends then (0: none)
};

// What a wait that ends with nothing means.
enum class QuietEnd {
  kIdleTimeout,  // no output for CppCgiIdleTimeout, or no complete header section within it
  kRunTime,      // CppCgiMaxRunTime reached
  kOutputOver,   // the drain grace passed: the response ends here
  kStreamCheck,  // an HTTP/2 slice ended: look at the stream, then wait on
  kHoldEnds,     // the short hold ended: stream what was held
};

struct Wait {
  int timeout_ms = 0;
  QuietEnd if_quiet = QuietEnd::kIdleTimeout;
};

// Time left for the header section (it may be negative: over).
int64_t HeaderTimeLeftMs(const RunLimits& limits, const RunMoment& m);

// The next wait: the nearest deadline, and what reaching it means.
Wait PlanWait(const RunLimits& limits, const RunMoment& m);

}  // namespace cppcgi
