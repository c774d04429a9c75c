// SPDX-License-Identifier: Apache-2.0
// One idle connection to the helper pool per worker thread, kept between
// requests: a request after a clean exit report reuses it instead of
// connecting again (which costs a connect, an accept, a credentials check and
// a wake-up of the helper when the connection is closed).
//
// A kept connection may have been closed by its helper meanwhile (graceful
// restart, helper death, too many connections): sending on it then fails
// with EPIPE, or reading the answer with ECONNRESET, and the request was
// never read, so the caller connects afresh and sends it again.
#pragma once

#include <string_view>

#include "core/unique_fd.h"

namespace cppcgi {

// The calling thread's kept connection to the socket at `path`, if any
// (it is no longer kept: give it back with KeepIdleConnection).
UniqueFd TakeIdleConnection(std::string_view path);

// Keeps `fd` for the calling thread's next request to `path`, closing the
// one kept before, if any.
void KeepIdleConnection(std::string_view path, UniqueFd fd);

}  // namespace cppcgi
