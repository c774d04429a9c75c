// SPDX-License-Identifier: Apache-2.0
// No C++ exception may unwind through httpd's C frames. Every hook runs its
// body through Guard(), which logs anything thrown with a stable id and
// returns the given fallback instead.
#pragma once

#include <exception>
#include <string>

#include "glue/notice_log.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

template <typename Fn, typename R>
R Guard(server_rec* s, const char* where, R fallback, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::exception& e) {
    LogNotice(s, Notice::kInternal, std::string("internal error in ") + where + ": " + e.what());
  } catch (...) {
    LogNotice(s, Notice::kInternal, std::string("internal error in ") + where);
  }
  return fallback;
}

}  // namespace cppcgi
