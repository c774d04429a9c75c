// Stable message ids: every line mod_cppcgi writes to the error log starts
// with one of these. Tests and operators match on them; never renumber.
#pragma once

#define CPPCGI_LOGNO(n) "CPPCGI" #n ": "

// 00xx: request path
#define CPPCGI_STDERR CPPCGI_LOGNO(0001)          // a line the script wrote to stderr
#define CPPCGI_EXECCGI_OFF CPPCGI_LOGNO(0002)     // Options ExecCGI is off
#define CPPCGI_NOT_FOUND CPPCGI_LOGNO(0003)       // script not found
#define CPPCGI_IS_DIRECTORY CPPCGI_LOGNO(0004)    // attempt to invoke a directory
#define CPPCGI_PATH_INFO_OFF CPPCGI_LOGNO(0005)   // AcceptPathInfo Off and path info given
#define CPPCGI_POOL_UNREACHABLE CPPCGI_LOGNO(0006)  // cannot reach a helper
#define CPPCGI_SPAWN_FAILED CPPCGI_LOGNO(0007)    // helper could not start the script
#define CPPCGI_NO_HEADERS CPPCGI_LOGNO(0008)      // output ended before the header section
#define CPPCGI_BAD_HEADERS CPPCGI_LOGNO(0009)     // header section too long / malformed framing
#define CPPCGI_TIMEOUT CPPCGI_LOGNO(0010)         // no output within the timeout
#define CPPCGI_SCRIPT_EXIT CPPCGI_LOGNO(0011)     // script exit status (debug)
#define CPPCGI_IO_ERROR CPPCGI_LOGNO(0012)        // pipe I/O failed
// The client is known gone while the script ran (its connection reset or
// failed, a write to it failed, its HTTP/2 stream was reset): the script is
// ended. A FIN alone (a half-close, or a close with nothing unread) is not.
#define CPPCGI_CLIENT_GONE CPPCGI_LOGNO(0013)
#define CPPCGI_INTERNAL CPPCGI_LOGNO(0014)        // an exception reached a hook boundary
#define CPPCGI_BODY_READ CPPCGI_LOGNO(0015)       // reading the request body failed
#define CPPCGI_HELPER_PROTOCOL CPPCGI_LOGNO(0016) // malformed or unexpected answer from a helper: 502
#define CPPCGI_RUN_TIME CPPCGI_LOGNO(0017)        // CppCgiMaxRunTime exceeded
#define CPPCGI_BUSY CPPCGI_LOGNO(0018)            // a concurrency cap was reached: 503
#define CPPCGI_SSI CPPCGI_LOGNO(0019)             // SSI <!--#exec --> refused or failed
#define CPPCGI_STDERR_LIMIT CPPCGI_LOGNO(0020)    // CppCgiStderrLimit reached
#define CPPCGI_LINGERING CPPCGI_LOGNO(0021)       // still running after its output ended: ended
#define CPPCGI_DASH_ARGUMENT CPPCGI_LOGNO(0022)   // indexed query word starting with '-': 400
#define CPPCGI_KILLED_AFTER_HEADERS CPPCGI_LOGNO(0023)  // killed by a signal mid-response: cut off
#define CPPCGI_SUEXEC_REFUSED CPPCGI_LOGNO(0024)  // the suEXEC wrapper refused to run the script
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
