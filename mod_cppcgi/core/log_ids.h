// SPDX-License-Identifier: Apache-2.0
// Stable message ids: every line mod_cppcgi writes to the error log starts
// with one of these. Tests and operators match on them; never renumber.
#pragma once

#define CPPCGI_LOGNO(n) "CPPCGI" #n ": "

// 00xx: request path. The failures (0002-0010, 0012, 0013, 0015-0019,
// 0022-0024, 0026-0030) are core/failure.h's table, each recorded by one call
// (glue/failure_report.h); what is not a failure is here.
#define CPPCGI_STDERR CPPCGI_LOGNO(0001)          // a line the script wrote to stderr
#define CPPCGI_SCRIPT_EXIT CPPCGI_LOGNO(0011)     // script exit status (debug)
#define CPPCGI_INTERNAL CPPCGI_LOGNO(0014)        // an exception reached a hook boundary
#define CPPCGI_SSI CPPCGI_LOGNO(0019)             // SSI <!--#exec --> refused or failed
#define CPPCGI_STDERR_LIMIT CPPCGI_LOGNO(0020)    // CppCgiStderrLimit reached
#define CPPCGI_LINGERING CPPCGI_LOGNO(0021)       // still running after its output ended: ended
#define CPPCGI_SUEXEC_UNSIGNALLABLE CPPCGI_LOGNO(0025)  // helper may not signal a suEXEC script (no CAP_KILL)

// 01xx: helper pool
#define CPPCGI_POOL_STARTED CPPCGI_LOGNO(0100)
#define CPPCGI_POOL_START_FAILED CPPCGI_LOGNO(0101)
#define CPPCGI_HELPER_DIED CPPCGI_LOGNO(0102)
#define CPPCGI_HELPER_RESPAWN_FAILED CPPCGI_LOGNO(0103)
#define CPPCGI_HELPER_LOG CPPCGI_LOGNO(0104)      // a message from inside a helper
#define CPPCGI_HELPER_SETUP_FAILED CPPCGI_LOGNO(0105)
#define CPPCGI_HELPER_RETIRED CPPCGI_LOGNO(0106)   // a retired helper (CPPCGI0016) replaced

// 02xx: configuration
#define CPPCGI_CONFLICT CPPCGI_LOGNO(0200)        // mod_cgi / mod_cgid loaded as well
#define CPPCGI_COMPAT_DIRECTIVE CPPCGI_LOGNO(0201)  // accepted for compatibility, no effect
#define CPPCGI_COMPAT_VALUE CPPCGI_LOGNO(0202)      // a ScriptLog* value read as mod_cgi reads it
