// SPDX-License-Identifier: Apache-2.0
// The module's mutable state in a process, in one object: what this
// generation's helper pool is (made by httpd's parent in post_config, and
// inherited by the MPM children), the path workers connect to, the shared
// statistics mapping (made once by httpd's parent, kept across restarts),
// and the next CppCgiMaxScripts counter slot, handed out while the
// configuration is read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>
#include <string>

#include "core/suexec_policy.h"
#include "core/wire.h"

namespace cppcgi {

struct Pool;  // pool_supervisor.cc's
struct SharedStats;

struct ModuleState {
  Pool* pool = nullptr;          // this generation's pool; null when none runs
  std::string socket_path;       // its socket; empty when none runs
  SharedStats* stats = nullptr;  // null before the first real post_config
  wire::WorkerKey worker_key{};  // what a helper asks of a request (core/wire.h)
  std::optional<SuexecSettings> suexec_settings;  // the wrapper's, read by httpd's parent
  // CppCgiSuexec helpers: this generation's identity pools, and the socket
  // of each identity's (uid, gid).
  std::vector<Pool*> identity_pools;
  std::map<std::pair<uint32_t, uint32_t>, std::string> identity_sockets;
  uint32_t next_dir_slot = 1;    // reset by pre_config
};

ModuleState& State();

}  // namespace cppcgi
