// SPDX-License-Identifier: Apache-2.0
#include "proc/cpu_budget.h"

#include <sched.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/pool_size.h"

namespace cppcgi {
namespace {

long AffinityCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return sysconf(_SC_NPROCESSORS_ONLN);
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text, '\0');
  return text.substr(0, 4096);
}

// cgroup v2: "0::/system.slice/apache2.service" in /proc/self/cgroup.
std::optional<long> CgroupQuota() {
  std::istringstream lines(ReadSmallFile("/proc/self/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("0::/")) continue;
    std::string dir = "/sys/fs/cgroup" + line.substr(3);
    // Every quota on the way up binds: the least one is the limit.
    std::optional<long> least;
    for (;;) {
      if (auto q = CgroupCpuQuota(ReadSmallFile(dir + "/cpu.max")); q && (!least || *q < *least)) least = q;
      if (dir == "/sys/fs/cgroup") break;
      dir = dir.substr(0, dir.rfind('/'));
    }
    return least;
  }
  return std::nullopt;
}

}  // namespace

long CpusThisProcessMayUse() { return UsableCpus(AffinityCpus(), CgroupQuota()); }

}  // namespace cppcgi
