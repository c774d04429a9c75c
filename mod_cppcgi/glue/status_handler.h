// SPDX-License-Identifier: Apache-2.0
// "SetHandler cppcgi-status": the server-wide counters and the running
// scripts as an HTML page, JSON (?json) or Prometheus metrics (?metrics, or
// an Accept header asking for text/plain; version=0.0.4); and a mod_cppcgi
// section in mod_status's server-status when ExtendedStatus is on.
#pragma once

#include "glue/httpd_includes.h"

namespace cppcgi {

int HandleStatusRequest(request_rec* r);
// Hooks into mod_status (an optional hook: harmless when it is not loaded).
void RegisterStatusSection();

}  // namespace cppcgi
