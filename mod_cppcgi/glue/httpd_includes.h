// SPDX-License-Identifier: Apache-2.0
// The one place that includes httpd and APR headers. Only glue files include it.
#pragma once

#include "ap_config.h"
#include "ap_mpm.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "http_protocol.h"
#include "http_request.h"
#include "httpd.h"
#include "mod_unixd.h"
#include "mpm_common.h"
#include "unixd.h"
#include "util_script.h"

// httpd's OK/DECLINED/DONE are macros; keep them, but never let them leak into core code.

extern "C" module AP_MODULE_DECLARE_DATA cppcgi_module;

#ifdef APLOG_USE_MODULE
APLOG_USE_MODULE(cppcgi);
#endif
