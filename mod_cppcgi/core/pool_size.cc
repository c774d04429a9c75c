// SPDX-License-Identifier: Apache-2.0
#include "core/pool_size.h"

#include <algorithm>
#include <charconv>

namespace cppcgi {

int DefaultHelperCount(long usable_cpus) {
  if (usable_cpus < 1) usable_cpus = 1;
  return static_cast<int>(std::clamp<long>(usable_cpus, 2, kMaxHelpers));
}

std::optional<long> CgroupCpuQuota(std::string_view cpu_max) {
  while (!cpu_max.empty() && (cpu_max.back() == '\n' || cpu_max.back() == ' ')) cpu_max.remove_suffix(1);
  size_t space = cpu_max.find(' ');
  if (space == std::string_view::npos || cpu_max.size() > 64) return std::nullopt;
  std::string_view quota_text = cpu_max.substr(0, space), period_text = cpu_max.substr(space + 1);
  long quota = 0, period = 0;
  auto q = std::from_chars(quota_text.data(), quota_text.data() + quota_text.size(), quota);
  auto p = std::from_chars(period_text.data(), period_text.data() + period_text.size(), period);
  if (q.ec != std::errc() || q.ptr != quota_text.data() + quota_text.size() || p.ec != std::errc() ||
      p.ptr != period_text.data() + period_text.size() || quota <= 0 || period <= 0)
    return std::nullopt;  // "max": no quota
  return (quota + period - 1) / period;
}

long UsableCpus(long affinity_cpus, std::optional<long> cgroup_quota) {
  long cpus = std::max(affinity_cpus, 1L);
  if (cgroup_quota) cpus = std::min(cpus, std::max(*cgroup_quota, 1L));
  return cpus;
}

}  // namespace cppcgi
