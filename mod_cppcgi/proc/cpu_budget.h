// SPDX-License-Identifier: Apache-2.0
// The CPUs this process may use: its affinity mask, and its cgroup's CPU
// quota (cgroup v2's cpu.max), as a container or a systemd CPUQuota= sets it.
#pragma once

namespace cppcgi {

long CpusThisProcessMayUse();

}  // namespace cppcgi
