// SPDX-License-Identifier: Apache-2.0
// The helper's wire-protocol decoder: arbitrary frames are refused or
// decoded; whatever decodes re-encodes to a frame that decodes to the same.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "core/wire.h"

namespace {

bool Same(const cppcgi::wire::Message& a, const cppcgi::wire::Message& b) {
  using namespace cppcgi::wire;
  if (a.index() != b.index()) return false;
  if (auto* x = std::get_if<SpawnRequest>(&a)) {
    auto* y = std::get_if<SpawnRequest>(&b);
    if (x->limits.size() != y->limits.size()) return false;
    for (size_t i = 0; i < x->limits.size(); ++i) {
      if (x->limits[i].resource != y->limits[i].resource || x->limits[i].soft != y->limits[i].soft ||
          x->limits[i].hard != y->limits[i].hard)
        return false;
    }
    return x->path == y->path && x->cwd == y->cwd && x->argv == y->argv && x->env == y->env &&
           x->dir_slot == y->dir_slot && x->dir_cap == y->dir_cap && x->total_cap == y->total_cap;
  }
  if (auto* x = std::get_if<Started>(&a)) return x->pid == std::get<Started>(b).pid;
  if (auto* x = std::get_if<SpawnFailed>(&a)) {
    auto& y = std::get<SpawnFailed>(b);
    return x->sys_errno == y.sys_errno && x->what == y.what && x->busy == y.busy;
  }
  auto& x = std::get<Exited>(a);
  auto& y = std::get<Exited>(b);
  return x.wait_status == y.wait_status && x.wall_us == y.wall_us && x.user_us == y.user_us &&
         x.sys_us == y.sys_us && x.max_rss_kb == y.max_rss_kb;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto message = cppcgi::wire::Decode(std::span<const uint8_t>(data, size));
  if (!message.ok()) return 0;
  auto again = cppcgi::wire::Encode(*message);
  if (!again.ok()) std::abort();  // anything we accept, we can send
  auto round = cppcgi::wire::Decode(*again);
  if (!round.ok() || !Same(*message, *round)) std::abort();
  return 0;
}
