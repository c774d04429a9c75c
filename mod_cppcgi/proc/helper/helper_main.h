// SPDX-License-Identifier: Apache-2.0
// The helper process: an event loop that accepts connections from httpd
// workers, starts one script per kSpawn frame with the pipe ends the worker
// passed, answers kStarted/kSpawnFailed at once, and kExited when it has
// reaped the script. Many scripts run at once; the loop never waits for one.
// It exits when its lifeline reaches EOF (httpd parent gone or a new
// generation) once its scripts are done, or on SIGTERM after ending them.
// SIGUSR2 retires it: it takes no new script, finishes those it runs, and
// exits with kHelperRetired (a worker got a malformed answer from it).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string_view>

#include "core/wire.h"

namespace cppcgi {

struct ScriptCounters;
struct SharedStats;

// Exit codes httpd's parent acts on. httpd's MPMs hand a child's end to its
// maintenance callback as APR's exit code or signal number (a 4 could be
// either), APR's own refresh as a raw wait status: codes in 65..126 can be
// taken for neither a signal number nor a raw status (HelperExitedWith).
// Any other end of a helper reads as a signal number (or a clean 0).
inline constexpr int kHelperLoopFailed = 71;    // its event loop failed (EX_OSERR)
inline constexpr int kHelperRetired = 75;       // retired by SIGUSR2: start another (EX_TEMPFAIL)
inline constexpr int kHelperStartupError = 78;  // could not switch to User/Group: do not (EX_CONFIG)

// True if `status`, as httpd or APR reports a child's end, is exit code `code`
// (one of the above).
inline bool HelperExitedWith(int status, int code) {
  return status == code || (status > 0xff && (status & 0x7f) == 0 && ((status >> 8) & 0xff) == code);
}

enum class HelperLogLevel { kError, kWarning, kInfo, kDebug };

struct HelperOptions {
  int listen_fd = -1;    // listening AF_UNIX stream socket, shared by all helpers
  int lifeline_fd = -1;  // read end of a pipe whose write end only httpd's parent holds
  // Only a spawn request that carries it is served: one from httpd's workers
  // (a script running as User can reach the socket, but does not know it).
  wire::WorkerKey worker_key{};
  // The uid httpd's workers run as, who may connect (and root); -1: this
  // process's own (a helper that runs as User).
  uid_t peer_uid = static_cast<uid_t>(-1);
  int kill_grace_ms = 3000;  // SIGTERM to SIGKILL for an abandoned script's group
  // Workers keep their connection between requests (idle_connection.h); past
  // this many connections, one is closed after its exit report instead.
  size_t max_kept_connections = 512;
  ScriptCounters* counters = nullptr;  // shared running-script counts (caps); may be null
  SharedStats* stats = nullptr;        // server-wide statistics and running-scripts table; may be null
  std::function<void(HelperLogLevel, std::string_view)> log;
};

// Blocks SIGCHLD/SIGTERM/SIGINT/SIGHUP/SIGUSR2 for signalfd use, makes the helper a
// child subreaper, and runs the loop. Returns the process exit code.
int RunHelper(const HelperOptions& options);

}  // namespace cppcgi
