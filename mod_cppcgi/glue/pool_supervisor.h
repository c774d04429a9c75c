// SPDX-License-Identifier: Apache-2.0
// The helper pool as httpd's parent process sees it: creates the listening
// socket (in DefaultRuntimeDir, mode 0600, owned by User) and the lifeline
// pipe, forks the helpers before any MPM thread exists, replaces a helper
// that dies, and ends the generation when the configuration pool is cleared.
#pragma once

#include <string>
#include <vector>

#include "core/metrics.h"

#include "core/wire.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

// post_config (real pass only): start this generation's pool.
int StartPool(apr_pool_t* pconf, apr_pool_t* plog, apr_pool_t* ptemp, server_rec* s);

// child_init in every MPM child: drop the parent-only fds.
void ForgetPoolInChild(apr_pool_t* pchild, server_rec* s);

// The socket the handler connects to; empty when no pool runs.
const std::string& PoolSocketPath();
// What a spawn request must carry for a helper to serve it (core/wire.h).
const wire::WorkerKey& PoolWorkerKey();

// The SuexecUserGroup identities that have helpers of their own, for the
// status page (empty unless CppCgiSuexec helpers).
std::vector<IdentityPoolInfo> IdentityPools();

// Server-wide statistics (shared memory made once by httpd's parent and
// inherited by every process); null before the first real post_config.
struct SharedStats;
SharedStats* PoolStats();

}  // namespace cppcgi
