// SPDX-License-Identifier: Apache-2.0
#include "core/pool_size.h"

#include <algorithm>

namespace cppcgi {

int DefaultHelperCount(long online_cpus) {
  if (online_cpus < 1) online_cpus = 1;
  return static_cast<int>(std::clamp<long>(online_cpus, 2, kMaxHelpers));
}

}  // namespace cppcgi
