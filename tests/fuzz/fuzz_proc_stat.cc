// SPDX-License-Identifier: Apache-2.0
// /proc/PID/stat as the helper reads it to find a script's descendants: the
// command name inside it is chosen by the script (prctl PR_SET_NAME), so it
// may hold ')', spaces or digits. Never read past the input; a parent pid is
// never negative.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proc/process_tree.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto st = cppcgi::ParseProcStat(text);
  if (st && (st->ppid < 0 || text.find(st->state) == std::string_view::npos)) std::abort();
  return 0;
}
