// SPDX-License-Identifier: Apache-2.0
// How many helper processes to start when the configuration does not say:
// as many as the CPUs the server may use.
#pragma once

#include <optional>
#include <string_view>

namespace cppcgi {

inline constexpr int kMinHelpers = 1;
inline constexpr int kMaxHelpers = 64;

// One helper per usable CPU, at least two (so that one helper's death never
// leaves the server with none while it is replaced), capped at kMaxHelpers.
int DefaultHelperCount(long usable_cpus);

// Helpers per SuexecUserGroup identity (CppCgiSuexecHelpers) when the
// configuration does not say: two, so that one identity's spawns use both
// halves of a two-core machine and one helper's death never leaves the
// identity without one; an idle one costs little (README, suEXEC).
inline constexpr int kDefaultIdentityHelpers = 2;

// A cgroup's CPU quota in CPUs, rounded up, from cgroup v2's cpu.max
// ("max 100000" or "150000 100000": quota and period in µs); nullopt for no
// quota or text that is not that.
std::optional<long> CgroupCpuQuota(std::string_view cpu_max);

// The CPUs a process may use: those of its affinity mask, fewer if its
// cgroup's quota allows fewer; at least 1.
long UsableCpus(long affinity_cpus, std::optional<long> cgroup_quota);

}  // namespace cppcgi
