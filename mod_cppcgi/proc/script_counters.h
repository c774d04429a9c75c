// SPDX-License-Identifier: Apache-2.0
// Counts of running scripts, in memory shared by every helper (an anonymous
// shared mapping made by httpd's parent before it forks them). Helpers count
// a script when they start it and uncount it when they reap it, so a crashed
// worker can never leave a count behind.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace cppcgi {

inline constexpr uint32_t kMaxDirSlots = 1024;  // distinct CppCgiMaxScripts sections

struct ScriptCounters {
  std::atomic<uint32_t> total;
  std::atomic<uint32_t> per_dir[kMaxDirSlots];
};

StatusOr<ScriptCounters*> MapScriptCounters();
void UnmapScriptCounters(ScriptCounters* counters);

// Counts one more script unless that would exceed a cap (0 = no cap).
// On refusal, `why` names the cap and nothing is counted.
bool TryAcquire(ScriptCounters* c, uint32_t slot, uint32_t dir_cap, uint32_t total_cap, std::string* why);
void Release(ScriptCounters* c, uint32_t slot);

}  // namespace cppcgi
