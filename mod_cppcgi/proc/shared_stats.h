// SPDX-License-Identifier: Apache-2.0
// Server-wide counters and the table of running scripts, in one anonymous
// shared mapping that httpd's parent makes once (it outlives graceful
// restarts) before it forks the helpers and the MPM's children, which all
// inherit it. Helpers count what they start and reap, workers count what
// they refuse or give up on, the parent counts helper restarts. Lock-free:
// counters are relaxed atomics; a table entry is claimed with a
// compare-and-swap and published with a release store.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string_view>

#include "core/failure.h"
#include "core/metrics.h"
#include "core/status.h"

namespace cppcgi {

inline constexpr size_t kRunningSlots = 1024;  // beyond this, scripts run but are not listed
inline constexpr size_t kOnceSlots = 4096;     // warnings said once per file (see FirstTime)

inline constexpr uint32_t kEntryFree = 0, kEntryWriting = 1, kEntryListed = 2;

struct RunningEntry {
  std::atomic<uint32_t> state;  // kEntryFree, kEntryWriting or kEntryListed
  int32_t pid;
  int32_t helper;
  int64_t started_us;  // CLOCK_MONOTONIC
  uint32_t dir_slot;   // the CppCgiMaxScripts counter it holds
  uint32_t uid;        // whom its helper runs as: User, or a SuexecUserGroup identity
  uint32_t warm;       // 1: forked by a warm Python process (CppCgiPythonPreload)
  char request[256];
  char client[64];
};

struct SharedStats {
  std::atomic<uint64_t> scripts_started;
  std::atomic<uint64_t> exits_success, exits_error, exits_signal;
  std::atomic<uint64_t> failures[kFailureReasons];
  std::atomic<uint64_t> refusals[kCheckIds];
  std::atomic<uint64_t> timeouts_idle, timeouts_run_time;
  std::atomic<uint64_t> client_disconnects;
  std::atomic<uint64_t> helper_restarts;
  std::atomic<uint64_t> cap_rejections;
  std::atomic<uint32_t> helpers_alive;
  std::atomic<uint32_t> scripts_running;
  std::atomic<uint64_t> duration_buckets[kDurationBuckets];
  std::atomic<uint64_t> duration_sum_us;
  RunningEntry running[kRunningSlots];
  std::atomic<uint64_t> said_once[kOnceSlots];  // keys of what was said once; 0: free
  std::atomic<uint64_t> sendfile_responses;     // files sent for a script's X-Sendfile
  std::atomic<uint64_t> python_warm_starts;     // scripts forked by a warm Python process
};

StatusOr<SharedStats*> MapSharedStats();

inline void Bump(std::atomic<uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }
// Null-safe forms for callers that may run without a pool (tests, -t).
void CountFailure(SharedStats* s, FailureReason reason);
// The counter a fault adds to (core/failure.h).
void CountFault(SharedStats* s, FaultMetric metric);
void CountRefusal(SharedStats* s, int check_id);  // 300..331; others ignored

// True the first time `key` (never 0) is asked about, server-wide and for
// the server's life: for what is to be said once (a warning per file). When
// the table is full, or without a table, every time.
bool FirstTime(SharedStats* s, uint64_t key);

// A helper started `pid`: counts it and lists it. Returns the table index, or -1 if the table is full.
int ScriptStarted(SharedStats* s, pid_t pid, pid_t helper, uint32_t dir_slot, int64_t now_us,
                  std::string_view request, std::string_view client, bool warm = false);
// The helper reaped it: unlists it (`slot` from ScriptStarted) and records how it ended.
void ScriptReaped(SharedStats* s, int slot, int wait_status, int64_t wall_us);

// A helper died without reaping its scripts: unlists them and calls
// `orphan(pid, dir_slot)` for each so the caller can end them and release
// their caps. Returns how many there were.
template <typename Fn>
int ForgetHelper(SharedStats* s, pid_t helper, Fn&& orphan) {
  if (s == nullptr) return 0;
  int n = 0;
  for (RunningEntry& e : s->running) {
    if (e.helper != helper) continue;
    uint32_t listed = kEntryListed;
    if (!e.state.compare_exchange_strong(listed, kEntryWriting, std::memory_order_acquire)) continue;
    if (e.helper != helper) {  // freed and listed again by another helper in between
      e.state.store(kEntryListed, std::memory_order_release);
      continue;
    }
    orphan(static_cast<pid_t>(e.pid), e.dir_slot);
    s->scripts_running.fetch_sub(1, std::memory_order_relaxed);
    e.state.store(kEntryFree, std::memory_order_release);
    ++n;
  }
  return n;
}

// A consistent-enough copy for rendering (each counter is read once).
StatsSnapshot TakeSnapshot(const SharedStats* s, int64_t now_us);

}  // namespace cppcgi
