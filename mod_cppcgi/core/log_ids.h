// SPDX-License-Identifier: Apache-2.0
// Stable message ids: every line mod_cppcgi writes to the error log starts
// with one. Tests and operators match on them; never renumber.
//
// Where each line's id is defined:
//  - a request's failure (0002-0010, 0012, 0013, 0015-0019, 0022-0024,
//    0026-0030): core/failure.h, recorded by glue/failure_report.h;
//  - a check's refusal or warning (03xx): core/script_check.h;
//  - every other line at warning level or above (0014, 0019, 0020, 0025,
//    0101-0105, 0200-0202): core/notices.h, with its fix;
//  - the lines below: information, debug, or the script's own words.
#pragma once

#define CPPCGI_LOGNO(n) "CPPCGI" #n ": "

#define CPPCGI_STDERR CPPCGI_LOGNO(0001)          // a line the script wrote to stderr
#define CPPCGI_SCRIPT_EXIT CPPCGI_LOGNO(0011)     // script exit status (debug)
#define CPPCGI_LINGERING CPPCGI_LOGNO(0021)       // still running after its output ended: ended
#define CPPCGI_POOL_STARTED CPPCGI_LOGNO(0100)
#define CPPCGI_HELPER_LOG CPPCGI_LOGNO(0104)      // a message from inside a helper (its own fix, if any)
#define CPPCGI_HELPER_RETIRED CPPCGI_LOGNO(0106)   // a retired helper (CPPCGI0016) replaced
#define CPPCGI_SUEXEC_SETTINGS CPPCGI_LOGNO(0203)   // the suEXEC wrapper's settings, or why they are unknown
