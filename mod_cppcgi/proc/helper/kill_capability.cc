// SPDX-License-Identifier: Apache-2.0
#include "proc/helper/kill_capability.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace cppcgi {
namespace {

// The raw system calls (no libcap): version 3 uses two 32-bit words per set.
bool GetCaps(__user_cap_data_struct (&data)[2]) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  return ::syscall(SYS_capget, &header, data) == 0;
}

}  // namespace

Status KeepCapabilitiesAcrossSetuid() {
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return Status::System("prctl(PR_SET_KEEPCAPS)", errno);
  return Status();
}

Status RetainOnlyCapKill() {
  (void)::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  data[CAP_TO_INDEX(CAP_KILL)].permitted = CAP_TO_MASK(CAP_KILL);
  data[CAP_TO_INDEX(CAP_KILL)].effective = CAP_TO_MASK(CAP_KILL);
  if (::syscall(SYS_capset, &header, data) != 0) {
    int err = errno;
    // Whatever happened, hold nothing beyond what User has.
    __user_cap_data_struct none[2] = {};
    (void)::syscall(SYS_capset, &header, none);
    return Status::System("capset(CAP_KILL)", err);
  }
  (void)::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  return Status();
}

bool HasCapKill() {
  __user_cap_data_struct data[2] = {};
  return GetCaps(data) && (data[CAP_TO_INDEX(CAP_KILL)].effective & CAP_TO_MASK(CAP_KILL)) != 0;
}

}  // namespace cppcgi
