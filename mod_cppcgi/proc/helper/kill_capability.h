// SPDX-License-Identifier: Apache-2.0
// Scripts run through suEXEC belong to other users, and a process running as
// User may not signal them. So that a helper can still end them (idle
// timeout, run-time limit, client gone, shutdown), it keeps one capability,
// CAP_KILL, across the switch from root to User, and nothing else. Scripts
// never inherit it: the helper's inheritable and ambient sets are empty, so
// an exec drops it.
#pragma once

#include "core/status.h"

namespace cppcgi {

// Before the switch to User: keep the permitted set across setuid().
Status KeepCapabilitiesAcrossSetuid();

// After the switch: permitted and effective = {CAP_KILL}, inheritable and
// ambient empty, and PR_SET_KEEPCAPS off again.
Status RetainOnlyCapKill();

// True if the effective set holds CAP_KILL (for tests and the log).
bool HasCapKill();

}  // namespace cppcgi
