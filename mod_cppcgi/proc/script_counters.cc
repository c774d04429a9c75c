// SPDX-License-Identifier: Apache-2.0
#include "proc/script_counters.h"

#include <sys/mman.h>

#include <cerrno>
#include <new>

namespace cppcgi {
namespace {

bool Increment(std::atomic<uint32_t>& counter, uint32_t cap) {
  uint32_t now = counter.fetch_add(1, std::memory_order_acq_rel) + 1;
  if (cap != 0 && now > cap) {
    counter.fetch_sub(1, std::memory_order_acq_rel);
    return false;
  }
  return true;
}

}  // namespace

StatusOr<ScriptCounters*> MapScriptCounters() {
  void* p = mmap(nullptr, sizeof(ScriptCounters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return Status::System("mmap of the shared script counters", errno);
  return new (p) ScriptCounters{};
}

void UnmapScriptCounters(ScriptCounters* counters) {
  if (counters != nullptr) munmap(counters, sizeof(ScriptCounters));
}

bool TryAcquire(ScriptCounters* c, uint32_t slot, uint32_t dir_cap, uint32_t total_cap, std::string* why) {
  if (c == nullptr) return true;
  if (slot >= kMaxDirSlots) slot = 0;
  if (!Increment(c->total, total_cap)) {
    *why = "the server-wide CppCgiMaxScriptsTotal limit of " + std::to_string(total_cap) + " running scripts";
    return false;
  }
  if (slot != 0 && !Increment(c->per_dir[slot], dir_cap)) {
    c->total.fetch_sub(1, std::memory_order_acq_rel);
    *why = "this directory's CppCgiMaxScripts limit of " + std::to_string(dir_cap) + " running scripts";
    return false;
  }
  return true;
}

void Release(ScriptCounters* c, uint32_t slot) {
  if (c == nullptr) return;
  if (slot >= kMaxDirSlots) slot = 0;
  c->total.fetch_sub(1, std::memory_order_acq_rel);
  if (slot != 0) c->per_dir[slot].fetch_sub(1, std::memory_order_acq_rel);
}

}  // namespace cppcgi
