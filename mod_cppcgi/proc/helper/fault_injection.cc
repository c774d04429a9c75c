// SPDX-License-Identifier: Apache-2.0
#include "proc/helper/fault_injection.h"

#include <cstdlib>
#include <string_view>

namespace cppcgi {

InjectedFault InjectedFaultFromEnvironment() {
#ifdef CPPCGI_FAULT_INJECTION
  const char* value = std::getenv("CPPCGI_FAULT");
  std::string_view v = value != nullptr ? value : "";
  if (v == "bad-started") return InjectedFault::kBadStarted;
  if (v == "exited-first") return InjectedFault::kExitedFirst;
  if (v == "bad-exited") return InjectedFault::kBadExited;
#endif
  return InjectedFault::kNone;
}

void CorruptFrame(std::string& frame) {
  if (!frame.empty()) frame[0] = static_cast<char>(frame[0] ^ 0x5a);
}

}  // namespace cppcgi
