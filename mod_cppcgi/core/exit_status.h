// SPDX-License-Identifier: Apache-2.0
// Plain words for a waitpid() status, for log lines.
#pragma once

#include <string>

namespace cppcgi {

// "exited with status 3", "was killed by signal 9 (Killed)".
std::string DescribeWaitStatus(int wait_status);

// True for a normal exit with status 0.
bool ExitedCleanly(int wait_status);

}  // namespace cppcgi
