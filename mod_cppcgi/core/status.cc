// SPDX-License-Identifier: Apache-2.0
#include "core/status.h"

#include <cstring>

namespace cppcgi {

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out = message_;
  if (errno_ != 0) {
    out += ": (" + std::to_string(errno_) + ") ";
    char buf[128];
    out += strerror_r(errno_, buf, sizeof buf);  // GNU variant returns char*
  }
  return out;
}

}  // namespace cppcgi
