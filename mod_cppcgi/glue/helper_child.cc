// SPDX-License-Identifier: Apache-2.0
#include "glue/helper_child.h"

#include <dirent.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "apr_portable.h"
#include "core/log_ids.h"
#include "glue/httpd_includes.h"
#include "glue/module_state.h"
#include "glue/notice_log.h"
#include "glue/suexec_identity.h"
#include "proc/helper/helper_main.h"
#include "proc/helper/kill_capability.h"
#include "proc/helper/memory_trim.h"

namespace cppcgi {
namespace {

void LogFromHelper(HelperLogLevel level, std::string_view msg) {
  int ap_level = level == HelperLogLevel::kError     ? APLOG_ERR
                 : level == HelperLogLevel::kWarning ? APLOG_WARNING
                 : level == HelperLogLevel::kInfo    ? APLOG_INFO
                                                     : APLOG_DEBUG;
  ap_log_error(APLOG_MARK, ap_level, 0, ap_server_conf, CPPCGI_HELPER_LOG "helper %ld: %.*s",
               static_cast<long>(getpid()), static_cast<int>(msg.size()), msg.data());
}

// The suEXEC wrapper can run a script here: it is installed (httpd checked
// it), and a ~user UserDir (mod_userdir) or, unless identity helpers run
// them (CppCgiSuexec helpers), a SuexecUserGroup (mod_suexec) names
// identities for it.
bool WrapperMayRun() {
  if (!ap_unixd_config.suexec_enabled) return false;
  if (ap_find_linked_module("mod_userdir.c") != nullptr) return true;
  return ap_find_linked_module("mod_suexec.c") != nullptr && !IdentityHelpersConfigured(ap_server_conf);
}

// Closes every fd except the ones in `keep`.
void CloseAllExcept(const std::vector<int>& keep) {
  std::vector<int> to_close;
  if (DIR* d = opendir("/proc/self/fd")) {
    int dir_fd = dirfd(d);
    while (dirent* e = readdir(d)) {
      char* end = nullptr;
      long fd = std::strtol(e->d_name, &end, 10);
      if (end == e->d_name || *end != '\0' || fd == dir_fd) continue;
      bool kept = false;
      for (int k : keep) kept = kept || k == fd;
      if (!kept) to_close.push_back(static_cast<int>(fd));
    }
    closedir(d);
  }
  for (int fd : to_close) ::close(fd);
}

// Runs in the freshly forked helper; never returns.
}  // namespace

[[noreturn]] void RunHelperChild(const HelperChildSetup& setup) {
  const HelperChildSetup* pool = &setup;
  // httpd's parent handlers make no sense here: back to defaults, then
  // ignore what the MPM sends its whole process group on graceful restart.
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  }
  for (int sig : {SIGUSR1, SIGWINCH, SIGPIPE}) signal(sig, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  int listen_fd = pool->listen_fd;
  int lifeline = pool->lifeline_fd;
  std::vector<int> keep = {STDERR_FILENO, listen_fd, lifeline};
  apr_os_file_t log_fd = -1;
  if (ap_server_conf->error_log && apr_os_file_get(&log_fd, ap_server_conf->error_log) == APR_SUCCESS) {
    keep.push_back(log_fd);
  }
  CloseAllExcept(keep);
  int devnull = ::open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    if (devnull > STDERR_FILENO) ::close(devnull);
  }
  for (int fd : keep) {
    if (fd > STDERR_FILENO) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }

  // suEXEC scripts run as other users: the helper keeps CAP_KILL (only) to
  // be able to end them (kill_capability.h).
  bool keep_kill = geteuid() == 0 && !pool->identity && WrapperMayRun();
  if (keep_kill) (void)KeepCapabilitiesAcrossSetuid();
  if (pool->identity && geteuid() == 0) {
    // As the suEXEC wrapper: the group, the user's supplementary groups, then the user.
    bool groups = pool->user.empty() ? ::setgroups(0, nullptr) == 0
                                     : ::initgroups(pool->user.c_str(), static_cast<gid_t>(pool->gid)) == 0;
    if (!groups || ::setgid(static_cast<gid_t>(pool->gid)) != 0 || ::setuid(static_cast<uid_t>(pool->uid)) != 0) {
      int err = errno;
      LogNotice(ap_server_conf, Notice::kHelperSetupFailed,
                "identity helper could not switch to uid " + std::to_string(pool->uid) + ", gid " +
                    std::to_string(pool->gid) + (pool->user.empty() ? "" : " (" + pool->user + ")"),
                err);
      _exit(kHelperStartupError);
    }
  } else if (geteuid() == 0 && ap_unixd_setup_child() != 0) {
    int err = errno;
    LogNotice(ap_server_conf, Notice::kHelperSetupFailed,
              std::string("helper could not switch to User ") +
                  (ap_unixd_config.user_name ? ap_unixd_config.user_name : "?") + " / Group " +
                  (ap_unixd_config.group_name ? ap_unixd_config.group_name : "?"),
              err);
    _exit(kHelperStartupError);
  }
  if (keep_kill) {
    if (Status st = RetainOnlyCapKill(); !st.ok()) {
      LogNotice(ap_server_conf, Notice::kSuexecUnsignallable,
                "helper " + std::to_string(getpid()) + " could not keep CAP_KILL (" + st.ToString() +
                    "): scripts run through suEXEC cannot be ended on a timeout, a client abort or a shutdown; they "
                    "end when they next write or exit");
    }
  }
  // After the credential change (which clears it): die with httpd's parent.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  prctl(PR_SET_NAME, "cppcgi-helper");  // what ps -o comm and top show
  if (getppid() != pool->parent_pid) _exit(0);
  // Set up: httpd's code and its modules' are not needed any more (memory_trim.h).
  DropCleanFileMappings();

  HelperOptions options;
  options.listen_fd = listen_fd;
  options.lifeline_fd = lifeline;
  options.worker_key = State().worker_key;
  options.peer_uid = ap_unixd_config.user_id;  // httpd's workers, whoever the helper runs as
  options.log = LogFromHelper;
  options.counters = pool->counters;
  options.stats = State().stats;
  _exit(RunHelper(options));
}

}  // namespace cppcgi
