// SPDX-License-Identifier: Apache-2.0
#include "proc/shared_stats.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

namespace cppcgi {
namespace {

void CopyLabel(char* dst, size_t cap, std::string_view src) {
  size_t n = std::min(cap - 1, src.size());
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

uint64_t Load(const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); }

}  // namespace

StatusOr<SharedStats*> MapSharedStats() {
  void* p = mmap(nullptr, sizeof(SharedStats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return Status::System("mmap of the shared statistics", errno);
  return new (p) SharedStats{};  // anonymous mappings are zero-filled; this also starts the atomics' lifetimes
}

void CountFailure(SharedStats* s, FailureReason reason) {
  if (s != nullptr) Bump(s->failures[static_cast<size_t>(reason)]);
}

void CountFault(SharedStats* s, FaultMetric metric) {
  if (s == nullptr) return;
  switch (metric) {
    case FaultMetric::kNone: return;
    case FaultMetric::kExecFailed: return CountFailure(s, FailureReason::kExecFailed);
    case FaultMetric::kNoHeaders: return CountFailure(s, FailureReason::kNoHeaders);
    case FaultMetric::kBadHeaders: return CountFailure(s, FailureReason::kBadHeaders);
    case FaultMetric::kPoolUnreachable: return CountFailure(s, FailureReason::kPoolUnreachable);
    case FaultMetric::kHelperFault: return CountFailure(s, FailureReason::kHelperFault);
    case FaultMetric::kBusy: return Bump(s->cap_rejections);
    case FaultMetric::kIdleTimeout: return Bump(s->timeouts_idle);
    case FaultMetric::kRunTime: return Bump(s->timeouts_run_time);
    case FaultMetric::kClientGone: return Bump(s->client_disconnects);
  }
}

void CountRefusal(SharedStats* s, int check_id) {
  if (s != nullptr && check_id >= 300 && check_id < 300 + static_cast<int>(kCheckIds)) Bump(s->refusals[check_id - 300]);
}

bool FirstTime(SharedStats* s, uint64_t key) {
  if (s == nullptr || key == 0) return true;
  constexpr size_t kProbes = 64;
  for (size_t i = 0; i < kProbes; ++i) {
    std::atomic<uint64_t>& slot = s->said_once[(key + i) % kOnceSlots];
    uint64_t seen = slot.load(std::memory_order_relaxed);
    if (seen == key) return false;
    if (seen != 0) continue;
    if (slot.compare_exchange_strong(seen, key, std::memory_order_relaxed)) return true;
    if (seen == key) return false;  // another process claimed it for the same key
  }
  return true;
}

int ScriptStarted(SharedStats* s, pid_t pid, pid_t helper, uint32_t dir_slot, int64_t now_us,
                  std::string_view request, std::string_view client, bool warm) {
  if (s == nullptr) return -1;
  Bump(s->scripts_started);
  if (warm) Bump(s->python_warm_starts);
  s->scripts_running.fetch_add(1, std::memory_order_relaxed);
  // Each helper searches from a place of its own (so helpers rarely
  // contend) and takes the first free row: it touches only as many rows as
  // it runs scripts at once. (Starting from the script's pid walked the whole
  // table over time, and every helper kept all of its pages resident.)
  size_t start = (static_cast<size_t>(helper) * 2654435761u) % kRunningSlots;
  for (size_t i = 0; i < kRunningSlots; ++i) {
    size_t idx = (start + i) % kRunningSlots;
    RunningEntry& e = s->running[idx];
    uint32_t expected = kEntryFree;
    if (!e.state.compare_exchange_strong(expected, kEntryWriting, std::memory_order_acquire)) continue;
    e.pid = pid;
    e.helper = helper;
    e.started_us = now_us;
    e.dir_slot = dir_slot;
    e.uid = static_cast<uint32_t>(geteuid());
    e.warm = warm ? 1 : 0;
    CopyLabel(e.request, sizeof e.request, request);
    CopyLabel(e.client, sizeof e.client, client);
    e.state.store(kEntryListed, std::memory_order_release);
    return static_cast<int>(idx);
  }
  return -1;
}

void ScriptReaped(SharedStats* s, int slot, int wait_status, int64_t wall_us) {
  if (s == nullptr) return;
  if (slot >= 0 && slot < static_cast<int>(kRunningSlots)) s->running[slot].state.store(kEntryFree, std::memory_order_release);
  s->scripts_running.fetch_sub(1, std::memory_order_relaxed);
  if (WIFSIGNALED(wait_status)) {
    Bump(s->exits_signal);
  } else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
    Bump(s->exits_success);
  } else {
    Bump(s->exits_error);
  }
  Bump(s->duration_buckets[DurationBucket(wall_us)]);
  s->duration_sum_us.fetch_add(static_cast<uint64_t>(std::max<int64_t>(wall_us, 0)), std::memory_order_relaxed);
}

StatsSnapshot TakeSnapshot(const SharedStats* s, int64_t now_us) {
  StatsSnapshot out;
  if (s == nullptr) return out;
  out.scripts_started = Load(s->scripts_started);
  out.exits_success = Load(s->exits_success);
  out.exits_error = Load(s->exits_error);
  out.exits_signal = Load(s->exits_signal);
  for (size_t i = 0; i < kFailureReasons; ++i) out.failures[i] = Load(s->failures[i]);
  for (size_t i = 0; i < kCheckIds; ++i) out.refusals[i] = Load(s->refusals[i]);
  out.timeouts_idle = Load(s->timeouts_idle);
  out.timeouts_run_time = Load(s->timeouts_run_time);
  out.client_disconnects = Load(s->client_disconnects);
  out.helper_restarts = Load(s->helper_restarts);
  out.cap_rejections = Load(s->cap_rejections);
  out.sendfile_responses = Load(s->sendfile_responses);
  out.python_warm_starts = Load(s->python_warm_starts);
  out.helpers_alive = s->helpers_alive.load(std::memory_order_relaxed);
  out.scripts_running = s->scripts_running.load(std::memory_order_relaxed);
  for (size_t i = 0; i < kDurationBuckets; ++i) out.duration_buckets[i] = Load(s->duration_buckets[i]);
  out.duration_sum_us = Load(s->duration_sum_us);
  for (const RunningEntry& e : s->running) {
    if (e.state.load(std::memory_order_acquire) != kEntryListed) continue;
    RunningScript r;
    r.pid = e.pid;
    r.helper = e.helper;
    r.uid = e.uid;
    r.warm = e.warm != 0;
    r.request.assign(e.request, strnlen(e.request, sizeof e.request));
    r.client.assign(e.client, strnlen(e.client, sizeof e.client));
    r.runtime_s = static_cast<double>(now_us - e.started_us) / 1e6;
    // Freed or reused while we copied it: skip rather than show a mix of two scripts.
    if (e.state.load(std::memory_order_acquire) != kEntryListed || e.pid != r.pid) continue;
    out.running.push_back(std::move(r));
  }
  std::sort(out.running.begin(), out.running.end(),
            [](const RunningScript& a, const RunningScript& b) { return a.runtime_s > b.runtime_s; });
  return out;
}

}  // namespace cppcgi
