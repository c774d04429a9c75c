// SPDX-License-Identifier: Apache-2.0
#include "glue/pool_supervisor.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "apr_portable.h"
#include "core/log_ids.h"
#include "core/pool_size.h"
#include "core/unique_fd.h"
#include "core/version.h"
#include "glue/helper_child.h"
#include "glue/module_state.h"
#include "glue/notice_log.h"
#include "glue/server_config.h"
#include "glue/suexec_identity.h"
#include "proc/cpu_budget.h"
#include "proc/helper/helper_main.h"
#include "proc/process_tree.h"
#include "proc/script_counters.h"
#include "proc/shared_stats.h"
#include "proc/worker_key.h"

namespace cppcgi {

// This generation's pool (ModuleState points at it): in the parent, and
// inherited by the MPM children.
struct Slot;

struct Pool {
  apr_pool_t* pconf = nullptr;
  server_rec* server = nullptr;
  std::string socket_path;
  UniqueFd listen_fd;
  UniqueFd lifeline_read;
  UniqueFd lifeline_write;
  pid_t parent_pid = 0;
  bool ended = false;
  ScriptCounters* counters = nullptr;  // shared with this generation's helpers
  bool owns_counters = true;  // an identity pool shares the User pool's (one CppCgiMaxScriptsTotal)
  std::vector<Slot*> slots;
  // An identity pool (CppCgiSuexec helpers): its helpers run as this
  // SuexecUserGroup identity instead of User, and run its scripts.
  bool identity = false;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string user;  // the identity's user name, for its supplementary groups ("" : none)
};

struct Slot {
  Pool* pool;
  int index;
  apr_proc_t proc;
};

namespace {

// Named for its layout: a graceful restart into a build whose Retained (or
// SharedStats) differs starts afresh instead of reading a smaller block.
constexpr const char* kRetainedKey = "mod_cppcgi-retained-4";
constexpr int kMaxDraining = 1024;

// State that outlives a generation (httpd may unload and reload this .so on
// restart, so statics do not survive): the generation counter, and helpers
// of earlier generations that still finish their scripts after a graceful
// restart, so that the new generation takes them back as "other children"
// and httpd does not report them as lost. Plain data, plus one pointer to a
// shared mapping that belongs to the process, not to this .so.
struct Retained {
  SharedStats* stats;  // made once, never unmapped: counters survive restarts
  // Drawn once: a worker of the old generation still serving a request
  // after a graceful restart is served by the new helpers.
  wire::WorkerKey worker_key;
  bool worker_key_drawn;
  unsigned generation;
  int draining_count;
  pid_t draining[kMaxDraining];
  uid_t draining_uid[kMaxDraining];  // whom each one's scripts run as
};



Retained* GetRetained() {
  void* data = ap_retained_data_get(kRetainedKey);
  if (data == nullptr) data = ap_retained_data_create(kRetainedKey, sizeof(Retained));  // zeroed
  return static_cast<Retained*>(data);
}

// httpd is shutting down for good (stop or graceful-stop), not restarting.
// (The MPM reports AP_MPMQ_STOPPING during a graceful restart as well.)
bool ServerExiting() { return ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_EXITING; }

// Inside a generation: is the MPM winding down (so a dead helper is not replaced)?
bool MpmStopping() {
  int state = AP_MPMQ_STOPPING;
  return ap_mpm_query(AP_MPMQ_MPM_STATE, &state) != APR_SUCCESS || state == AP_MPMQ_STOPPING;
}

void MaintainHelper(int reason, void* data, int status);

// A helper died with scripts it never reaped (they now belong to init): end
// them and their trees, since no one supervises them any more, and free
// their cap counts. The table is written by processes running as User, so
// this root process only signals processes that run as User themselves:
// nothing a compromised worker could not signal on its own.
void EndOrphanedScripts(pid_t helper, ScriptCounters* counters, uid_t user) {
  int n = ForgetHelper(State().stats, helper, [&](pid_t pid, uint32_t dir_slot) {
    Release(counters, dir_slot);
    if (pid <= 1 || !RunsAs(pid, user)) return;
    std::vector<pid_t> tree = Descendants(pid);
    ::kill(pid, SIGKILL);
    for (pid_t p : tree) {
      if (RunsAs(p, user)) ::kill(p, SIGKILL);
    }
  });
  if (n > 0) {
    LogNotice(ap_server_conf, Notice::kHelperOrphans,
              "helper " + std::to_string(helper) + " left " + std::to_string(n) + " running scripts; killed them");
  }
}

// The gauge counts this generation's helpers (not draining ones).
void UpdateHelpersAlive(const Pool* pool) {
  if (State().stats == nullptr || pool->identity) return;
  uint32_t alive = 0;
  for (const Slot* slot : pool->slots) alive += slot->proc.pid > 0 ? 1 : 0;
  State().stats->helpers_alive.store(pool->ended ? 0 : alive, std::memory_order_relaxed);
}

bool ForkHelper(Slot* slot) {
  Pool* pool = slot->pool;
  pid_t pid = fork();
  if (pid < 0) {
    LogNotice(pool->server, Notice::kHelperForkFailed, "could not fork helper " + std::to_string(slot->index),
              errno);
    return false;
  }
  if (pid == 0) {
    RunHelperChild(HelperChildSetup{pool->listen_fd.get(), pool->lifeline_read.get(), pool->parent_pid,
                                    pool->counters, pool->identity, pool->uid, pool->gid, pool->user});
  }
  slot->proc = apr_proc_t{};
  slot->proc.pid = pid;
  apr_proc_other_child_register(&slot->proc, MaintainHelper, slot, nullptr, pool->pconf);
  UpdateHelpersAlive(pool);
  return true;
}

void MaintainHelper(int reason, void* data, int status) {
  auto* slot = static_cast<Slot*>(data);
  Pool* pool = slot->pool;
  switch (reason) {
    case APR_OC_REASON_DEATH:
    case APR_OC_REASON_LOST: {
      apr_proc_other_child_unregister(data);
      pid_t dead = slot->proc.pid;
      slot->proc.pid = 0;  // nothing left to signal in this slot
      UpdateHelpersAlive(pool);
      EndOrphanedScripts(dead, pool->counters, pool->identity ? pool->uid : ap_unixd_config.user_id);
      if (pool->ended || MpmStopping()) return;
      if (reason == APR_OC_REASON_DEATH && HelperExitedWith(status, kHelperStartupError)) {
        LogNotice(pool->server, Notice::kHelperStartFailed,
                  "helper " + std::to_string(dead) + " could not start; not replacing it");
        return;
      }
      if (reason == APR_OC_REASON_DEATH && HelperExitedWith(status, kHelperRetired)) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, pool->server,
                     CPPCGI_HELPER_RETIRED "helper %ld retired after a malformed answer (CPPCGI0016); starting a "
                     "new one", static_cast<long>(dead));
        if (State().stats != nullptr) Bump(State().stats->helper_restarts);
        ForkHelper(slot);
        return;
      }
      // A helper exits only with 0 or one of its own codes (helper_main.h):
      // anything else is a signal, whether httpd passed its number or APR
      // the raw wait status.
      std::string how = reason == APR_OC_REASON_LOST ? std::string("was lost")
                        : HelperExitedWith(status, kHelperLoopFailed) ? std::string("had its event loop fail")
                        : status == 0                                 ? std::string("exited")
                        : WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                            : "was killed by signal " + std::to_string(WTERMSIG(status));
      LogNotice(pool->server, Notice::kHelperDied,
                "helper " + std::to_string(dead) + " " + how + "; starting a new one");
      if (State().stats != nullptr) Bump(State().stats->helper_restarts);
      ForkHelper(slot);
      return;
    }
    case APR_OC_REASON_RESTART:
    case APR_OC_REASON_UNREGISTER:
    default:
      return;
  }
}

// An earlier generation's helper, finishing its scripts.
void MaintainDraining(int reason, void* data, int /*status*/) {
  if (reason != APR_OC_REASON_DEATH && reason != APR_OC_REASON_LOST) return;
  auto* proc = static_cast<apr_proc_t*>(data);
  apr_proc_other_child_unregister(data);
  Retained* d = GetRetained();
  int i = 0;
  while (i < d->draining_count && d->draining[i] != proc->pid) ++i;
  bool listed = i < d->draining_count;
  // Its generation's cap counters are gone.
  EndOrphanedScripts(proc->pid, nullptr, listed ? d->draining_uid[i] : ap_unixd_config.user_id);
  if (listed) {
    --d->draining_count;
    d->draining[i] = d->draining[d->draining_count];
    d->draining_uid[i] = d->draining_uid[d->draining_count];
  }
}

void AdoptDrainingHelpers(apr_pool_t* pconf) {
  Retained* d = GetRetained();
  for (int i = 0; i < d->draining_count;) {
    pid_t pid = d->draining[i];
    // A helper that already exited is a zombie until httpd reaps it: still adopted.
    if (::kill(pid, 0) != 0 && errno == ESRCH) {
      --d->draining_count;
      d->draining[i] = d->draining[d->draining_count];
      d->draining_uid[i] = d->draining_uid[d->draining_count];
      continue;
    }
    auto* proc = static_cast<apr_proc_t*>(apr_pcalloc(pconf, sizeof(apr_proc_t)));
    proc->pid = pid;
    apr_proc_other_child_register(proc, MaintainDraining, proc, nullptr, pconf);
    ++i;
  }
}

// Generation over (restart, graceful or stop): the helpers stop taking work.
apr_status_t EndGeneration(void* data) {
  auto* pool = static_cast<Pool*>(data);
  if (pool->parent_pid != getpid()) return APR_SUCCESS;  // never in a child
  pool->ended = true;
  UpdateHelpersAlive(pool);
  bool exiting = ServerExiting();
  Retained* d = GetRetained();
  for (Slot* slot : pool->slots) {
    pid_t pid = slot->proc.pid;
    if (pid <= 0) continue;
    if (exiting) {
      ::kill(pid, SIGTERM);  // end their scripts and exit
    } else if (d->draining_count < kMaxDraining) {
      d->draining_uid[d->draining_count] = pool->identity ? pool->uid : ap_unixd_config.user_id;
      d->draining[d->draining_count++] = pid;  // they finish in-flight scripts, then exit
    }
  }
  pool->lifeline_write.reset();  // EOF on the lifeline: no new work
  pool->lifeline_read.reset();
  pool->listen_fd.reset();
  ::unlink(pool->socket_path.c_str());
  // The helpers keep their own mapping. (Identity pools end first: their
  // cleanups were registered after the User pool's.)
  if (pool->owns_counters) UnmapScriptCounters(pool->counters);
  pool->counters = nullptr;
  if (State().pool == pool) {
    State().pool = nullptr;
    State().socket_path.clear();
    State().identity_pools.clear();
    State().identity_sockets.clear();
  }
  return APR_SUCCESS;
}

// Bound under a temporary name, made private to User, then renamed into
// place: a worker connecting meanwhile never finds a socket it may not use
// (root-owned between bind and chown), only the old one or none (retried).
StatusOr<UniqueFd> Listen(const std::string& path) {
  std::string tmp = path + ".new";
  sockaddr_un addr{};
  if (tmp.size() >= sizeof addr.sun_path)
    return Status(Code::kInvalidArgument, "socket path longer than " + std::to_string(sizeof addr.sun_path - 5) +
                                              " bytes: " + path + " (set a shorter DefaultRuntimeDir)");
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, tmp.c_str(), tmp.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Status::System("socket", errno);
  ::unlink(tmp.c_str());  // left over by a crashed server
  mode_t old = umask(0077);
  int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  umask(old);
  if (rc != 0) return Status::System("bind " + tmp, errno);
  if (::chmod(tmp.c_str(), 0600) != 0) return Status::System("chmod " + tmp, errno);
  if (geteuid() == 0 && ::chown(tmp.c_str(), ap_unixd_config.user_id, ap_unixd_config.group_id) != 0)
    return Status::System("chown " + tmp, errno);
  if (::listen(fd.get(), SOMAXCONN) != 0) return Status::System("listen", errno);
  // Replaces a stale socket from a crashed server, atomically.
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::System("rename " + tmp + " to " + path, errno);
  return fd;
}

// A pool of this generation, with its socket and lifeline, and no helper yet.
StatusOr<Pool*> NewPool(apr_pool_t* pconf, server_rec* s, const std::string& socket_name,
                        ScriptCounters* shared_counters = nullptr) {
  auto* pool = static_cast<Pool*>(apr_pcalloc(pconf, sizeof(Pool)));
  new (pool) Pool();
  apr_pool_cleanup_register(pconf, pool, [](void* p) -> apr_status_t { static_cast<Pool*>(p)->~Pool(); return APR_SUCCESS; },
                            apr_pool_cleanup_null);
  pool->pconf = pconf;
  pool->server = s;
  pool->parent_pid = getpid();
  pool->socket_path = ap_runtime_dir_relative(pconf, socket_name.c_str());
  auto listen_fd = Listen(pool->socket_path);
  if (!listen_fd.ok()) return listen_fd.status();
  pool->listen_fd = std::move(*listen_fd);
  auto lifeline = MakePipe();
  if (!lifeline.ok()) return lifeline.status();
  if (shared_counters != nullptr) {
    pool->counters = shared_counters;
    pool->owns_counters = false;
  } else {
    auto counters = MapScriptCounters();
    if (!counters.ok()) return counters.status();
    pool->counters = *counters;
  }
  pool->lifeline_read = std::move(lifeline->first);
  pool->lifeline_write = std::move(lifeline->second);
  // Registered after the destructor cleanup, so it runs first.
  apr_pool_cleanup_register(pconf, pool, EndGeneration, apr_pool_cleanup_null);
  return pool;
}

Status ForkHelpers(Pool* pool, int count) {
  for (int i = 0; i < count; ++i) {
    auto* slot = static_cast<Slot*>(apr_pcalloc(pool->pconf, sizeof(Slot)));
    slot->pool = pool;
    slot->index = i;
    pool->slots.push_back(slot);
    if (!ForkHelper(slot)) return Status::System("fork", errno);
  }
  return Status::Ok();
}

int Fail(server_rec* s, const Status& st) {
  LogNotice(s, Notice::kPoolStartFailed, "mod_cppcgi could not start its helper pool: " + st.ToString());
  return HTTP_INTERNAL_SERVER_ERROR;
}

}  // namespace

const std::string& PoolSocketPath() { return State().socket_path; }

const wire::WorkerKey& PoolWorkerKey() { return State().worker_key; }

SharedStats* PoolStats() { return State().stats; }

int StartPool(apr_pool_t* pconf, apr_pool_t*, apr_pool_t* ptemp, server_rec* s) {
  // The first configuration pass at startup only checks the config.
  if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) return OK;

  AdoptDrainingHelpers(pconf);
  Retained* retained = GetRetained();
  if (retained->stats == nullptr) {
    auto stats = MapSharedStats();
    if (!stats.ok()) return Fail(s, stats.status());
    retained->stats = *stats;
  }
  State().stats = retained->stats;
  if (!retained->worker_key_drawn) {
    auto key = DrawWorkerKey();
    if (!key.ok()) return Fail(s, key.status());
    retained->worker_key = *key;
    retained->worker_key_drawn = true;
  }
  State().worker_key = retained->worker_key;  // inherited by the workers and the helpers
  unsigned generation = ++retained->generation;
  State().identity_pools.clear();
  State().identity_sockets.clear();
  // One path for every generation: a worker of the old generation that is
  // still serving a request after a graceful restart reaches the new helpers
  // (ConnectUnix retries across the moment between unlink and bind).
  std::string name = "cppcgi." + std::to_string(getpid()) + ".sock";
  auto pool = NewPool(pconf, s, name);
  if (!pool.ok()) return Fail(s, pool.status());
  const ServerSettings& settings = GetServerConfig(s)->settings;
  int helpers = settings.helpers.value_or(DefaultHelperCount(CpusThisProcessMayUse()));
  if (Status st = ForkHelpers(*pool, helpers); !st.ok()) return Fail(s, st);
  State().pool = *pool;
  State().socket_path = (*pool)->socket_path;
  ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
               CPPCGI_POOL_STARTED "mod_cppcgi %s, generation %u: started %d helpers on %s", kVersion, generation,
               helpers, (*pool)->socket_path.c_str());
  if (IdentityHelpersConfigured(s) && ap_unixd_config.suexec_enabled && geteuid() == 0) {
    int per_identity = settings.identity_helpers.value_or(kDefaultIdentityHelpers);
    for (const IdentityName& id : ConfiguredIdentities(s, ptemp)) {
      std::string id_name = "cppcgi." + std::to_string(getpid()) + "." + std::to_string(id.uid) + "." +
                            std::to_string(id.gid) + ".sock";
      auto id_pool = NewPool(pconf, s, id_name, (*pool)->counters);
      if (!id_pool.ok()) return Fail(s, id_pool.status());
      (*id_pool)->identity = true;
      (*id_pool)->uid = id.uid;
      (*id_pool)->gid = id.gid;
      (*id_pool)->user = id.user;
      if (Status st = ForkHelpers(*id_pool, per_identity); !st.ok()) return Fail(s, st);
      State().identity_pools.push_back(*id_pool);
      State().identity_sockets[{id.uid, id.gid}] = (*id_pool)->socket_path;
      ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                   CPPCGI_POOL_STARTED "identity uid %u, gid %u (%s): started %d helper%s on %s", id.uid, id.gid,
                   id.user.c_str(), per_identity, per_identity == 1 ? "" : "s", (*id_pool)->socket_path.c_str());
    }
  }
  return OK;
}

std::vector<IdentityPoolInfo> IdentityPools() {
  std::vector<IdentityPoolInfo> out;
  for (const Pool* pool : State().identity_pools)
    out.push_back({pool->user, pool->uid, pool->gid, static_cast<uint32_t>(pool->slots.size())});
  return out;
}

void ForgetPoolInChild(apr_pool_t*, server_rec*) {
  if (State().pool == nullptr) return;
  // Only httpd's parent may hold the lifeline's write end, or helpers would
  // never see it close; workers connect by path and need no listening fd.
  std::vector<Pool*> pools = State().identity_pools;
  pools.push_back(State().pool);
  for (Pool* pool : pools) {
    pool->lifeline_write.reset();
    pool->lifeline_read.reset();
    pool->listen_fd.reset();
    pool->parent_pid = 0;  // EndGeneration never acts in a child
  }
}

}  // namespace cppcgi
