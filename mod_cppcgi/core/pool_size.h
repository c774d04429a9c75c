// SPDX-License-Identifier: Apache-2.0
// How many helper processes to start when the configuration does not say.
#pragma once

namespace cppcgi {

inline constexpr int kMinHelpers = 1;
inline constexpr int kMaxHelpers = 64;

// One helper per online CPU, at least two (so that one helper's death never
// leaves the server with none while it is replaced), capped at kMaxHelpers.
int DefaultHelperCount(long online_cpus);

}  // namespace cppcgi
