// SPDX-License-Identifier: Apache-2.0
// No C++ exception may unwind through httpd's C frames. Every hook runs its
// body through Guard(), which logs anything thrown with a stable id and
// returns the given fallback instead.
#pragma once

#include <exception>

#include "core/log_ids.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

template <typename Fn, typename R>
R Guard(server_rec* s, const char* where, R fallback, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::exception& e) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, CPPCGI_INTERNAL "internal error in %s: %s", where, e.what());
  } catch (...) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, CPPCGI_INTERNAL "internal error in %s", where);
  }
  return fallback;
}

}  // namespace cppcgi
