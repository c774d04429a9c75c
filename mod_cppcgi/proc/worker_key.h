// SPDX-License-Identifier: Apache-2.0
// The worker key (core/wire.h): drawn by httpd's parent from the kernel's
// random source, once per server run.
#pragma once

#include "core/status.h"
#include "core/wire.h"

namespace cppcgi {

StatusOr<wire::WorkerKey> DrawWorkerKey();

}  // namespace cppcgi
