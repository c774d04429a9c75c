// SPDX-License-Identifier: Apache-2.0
#include "proc/helper/helper_main.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/notices.h"
#include "core/unique_fd.h"
#include "core/wire.h"
#include "proc/channel.h"
#include "proc/helper/fault_injection.h"
#include "proc/process_tree.h"
#include "proc/script_counters.h"
#include "proc/shared_stats.h"
#include "proc/helper/spawn.h"
#include "proc/helper/warm_python.h"

namespace cppcgi {
namespace {

constexpr int kReplyTimeoutMs = 1000;
// Worker connections live at fd numbers from here up. The fds passed for a
// script arrive at the lowest free numbers, below them, so a spawn copies
// only the low end of the fd table, however many connections are kept
// (spawn.cc). Where RLIMIT_NOFILE is lower, they stay where accept put them.
constexpr int kConnectionFdFloor = 256;
constexpr int64_t kDrainIdleLimitUs = 60 * 1000000LL;

int64_t NowUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int64_t TvUs(const timeval& tv) { return tv.tv_sec * 1000000LL + tv.tv_usec; }

struct Connection {
  UniqueFd fd;
  FrameReceiver receiver;
  pid_t child = 0;  // script currently running for this connection
  pid_t peer = 0;   // the process that connected, as the kernel says (SO_PEERCRED)
};

struct Child {
  int conn_fd = -1;       // -1 once the worker has gone away
  uint32_t slot = 0;      // per-directory counter it is counted in
  int64_t started_us = 0;
  bool ending = false;     // SIGTERM sent to its tree
  int stats_slot = -1;     // its row in the shared running-scripts table
};

// A tree being ended: SIGTERM went out; at kill_at_us whatever of it is
// left (and whatever it forked since) gets SIGKILL, re-checked a few times.
struct Doomed {
  pid_t root = 0;
  std::vector<pid_t> pids;  // the root and its descendants when it was ended
  int64_t kill_at_us = 0;
  int rounds = 0;
};
constexpr int kKillRounds = 5;  // SIGKILL sweeps, one a second

class Helper {
 public:
  explicit Helper(const HelperOptions& o)
      : opt_(o),
        warm_([this](HelperLogLevel level, std::string_view msg) { Log(level, std::string(msg)); },
              [this](int fd) { return Watch(fd, EPOLLIN); }) {}
  int Run();

 private:
  uid_t PeerUid() const { return opt_.peer_uid == static_cast<uid_t>(-1) ? geteuid() : opt_.peer_uid; }
  void Log(HelperLogLevel level, const std::string& msg) {
    if (opt_.log) opt_.log(level, msg);
  }
  bool Watch(int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0) return true;
    Log(HelperLogLevel::kError, WithFix(Notice::kHelperEventLoop, "epoll_ctl failed: " + Status::System("", errno).ToString()));
    return false;
  }
  void AcceptAll();
  void OnConnection(int fd);
  void HandleFrame(Connection& conn);
  void CloseConnection(int fd);
  void Reap();
  void OnSignal();
  void StopAccepting();
  void TerminateGroup(pid_t pid, Child& child, int64_t now);
  void EndTree(pid_t root, int64_t now);
  void EndOrphans(int64_t now);
  void KillOverdue(int64_t now);
  int NextTimeoutMs(int64_t now) const;

  const HelperOptions& opt_;
  UniqueFd epoll_;
  UniqueFd signals_;
  int listen_fd_ = -1;
  bool draining_ = false;
  int64_t drain_started_us_ = 0;
  bool terminating_ = false;
  bool retiring_ = false;  // SIGUSR2: drain, then exit with kHelperRetired
  InjectedFault fault_ = InjectedFault::kNone;  // test builds only (fault_injection.h)
  std::unordered_map<int, std::unique_ptr<Connection>> conns_;
  std::map<pid_t, Child> children_;
  std::vector<Doomed> doomed_;
  std::vector<int> reset_signals_;  // what a script must not inherit: NonDefaultSignals()
  pid_t self_ = 0;                   // this helper's pid, read once in Run()
  WarmPythons warm_;                 // CppCgiPythonPreload's warm processes
};

void Helper::StopAccepting() {
  if (listen_fd_ >= 0) {
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listen_fd_, nullptr);
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  if (!draining_) drain_started_us_ = NowUs();
  draining_ = true;
  // Idle connections (kept by workers between requests, or accepted with
  // the request not yet sent) are closed: a worker then gets EPIPE or
  // ECONNRESET, knows its request was not read, and sends it to the new
  // helpers. A connection with a script or a partial request is served.
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (it->second->child == 0 && it->second->receiver.Idle()) {
      it = conns_.erase(it);
    } else {
      ++it;
    }
  }
}

void Helper::AcceptAll() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN) Log(HelperLogLevel::kWarning, WithFix(Notice::kHelperAccept, Status::System("accept", errno).ToString()));
      return;
    }
    if (fd < kConnectionFdFloor) {
      int high = ::fcntl(fd, F_DUPFD_CLOEXEC, kConnectionFdFloor);
      if (high >= 0) {
        ::close(fd);
        fd = high;
      }
    }
    UniqueFd owned(fd);
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
        (cred.uid != PeerUid() && cred.uid != 0)) {
      Log(HelperLogLevel::kWarning, WithFix(Notice::kHelperRefusedPeer, "refused a connection from uid " + std::to_string(cred.uid)));
      continue;
    }
    if (!Watch(fd, EPOLLIN | EPOLLRDHUP)) continue;
    auto conn = std::make_unique<Connection>();
    conn->fd = std::move(owned);
    conn->peer = cred.pid;
    conns_.emplace(fd, std::move(conn));
    // A worker sends its request right after connecting: it is usually here
    // already, so read it now rather than after another epoll_wait.
    OnConnection(fd);
  }
}

void Helper::CloseConnection(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  pid_t child = it->second->child;
  if (child != 0) {
    auto c = children_.find(child);
    if (c != children_.end()) {
      c->second.conn_fd = -1;
      // The worker is gone (client abort, timeout, worker death): end the script.
      TerminateGroup(child, c->second, NowUs());
    }
  }
  conns_.erase(it);  // closes the fd, which also drops it from the epoll set
}

void Helper::TerminateGroup(pid_t pid, Child& child, int64_t now) {
  if (child.ending) return;
  child.ending = true;
  EndTree(pid, now);
}

// SIGTERM to `root`, its process group and every descendant, including
// those that left the group or session; SIGKILL after the grace period.
void Helper::EndTree(pid_t root, int64_t now) {
  Doomed d;
  d.root = root;
  d.pids.push_back(root);
  for (pid_t p : Descendants(root)) d.pids.push_back(p);
  ::kill(-root, SIGTERM);  // our child, not yet reaped: its number cannot have been reused
  for (pid_t p : d.pids) SignalIfBelow(p, self_, SIGTERM);
  d.kill_at_us = now + opt_.kill_grace_ms * 1000LL;
  doomed_.push_back(std::move(d));
}

// Shutdown: processes scripts left behind when they exited (background jobs,
// daemons) were adopted by this helper; they end with it.
void Helper::EndOrphans(int64_t now) {
  for (pid_t p : Descendants(self_)) {
    if (children_.count(p) == 0 && ParentOf(p) == self_) EndTree(p, now);
  }
}

void Helper::HandleFrame(Connection& conn) {
  int fd = conn.fd.get();
  auto message = wire::Decode(conn.receiver.TakeFrame());
  std::vector<UniqueFd> fds = conn.receiver.TakeFds();
  auto* req = message.ok() ? std::get_if<wire::SpawnRequest>(&*message) : nullptr;
  if (req == nullptr || conn.child != 0 || fds.size() != static_cast<size_t>(wire::kFdsPerSpawn)) {
    Log(HelperLogLevel::kError,
        WithFix(Notice::kHelperBadRequest,
                "protocol error from worker: " +
                    (message.ok() ? std::string("unexpected frame or fd count") : message.status().ToString())));
    CloseConnection(fd);
    return;
  }
  if (!wire::SameKey(req->key, opt_.worker_key)) {
    // Not one of httpd's workers: a process running as User (a script, most
    // likely) that found the socket. Nothing is started; it learns nothing.
    Log(HelperLogLevel::kWarning,
        WithFix(Notice::kHelperForeignRequest, "refused a request to run " + req->path + " from pid " +
                                                   std::to_string(conn.peer) +
                                                   ", which does not hold this server's worker key; started nothing"));
    CloseConnection(fd);
    return;
  }
  wire::Message reply;
  std::string why;
  if (!TryAcquire(opt_.counters, req->dir_slot, req->dir_cap, req->total_cap, &why)) {
    reply = wire::SpawnFailed{0, why, true};
  } else {
    SpawnFds spawn_fds{fds[0].get(), fds[1].get(), fds[2].get(), fds[3].get()};
    WarmPythons::Outcome warm;
    if (req->warm_python) warm = warm_.Spawn(*req, spawn_fds, NowUs());
    bool started_warm = warm.kind == WarmPythons::Outcome::Kind::kStarted;
    StatusOr<pid_t> pid = warm.pid;
    if (warm.kind == WarmPythons::Outcome::Kind::kNotWarm) {
      pid = SpawnScript(*req, spawn_fds, &reset_signals_);
    } else if (warm.kind == WarmPythons::Outcome::Kind::kFailed) {
      pid = Status::System(warm.what, warm.sys_errno);  // the failure's text is built only here
    }
    if (pid.ok()) {
      reply = wire::Started{*pid, started_warm};
      if (fault_ == InjectedFault::kExitedFirst) reply = wire::Exited{};
      conn.child = *pid;
      int64_t now = NowUs();
      int row = ScriptStarted(opt_.stats, *pid, self_, req->dir_slot, now, req->request, req->client, started_warm);
      children_[*pid] = Child{fd, req->dir_slot, now, 0, row};
    } else {
      Release(opt_.counters, req->dir_slot);
      reply = wire::SpawnFailed{pid.status().sys_errno(), pid.status().message(), false};
    }
  }
  fds.clear();  // the script holds its own copies; the worker holds the other ends
  auto frame = wire::Encode(reply);
  if (frame.ok() && fault_ == InjectedFault::kBadStarted) CorruptFrame(*frame);
  Status st = frame.ok() ? SendFrame(fd, *frame, {}, kReplyTimeoutMs) : frame.status();
  if (!st.ok()) {
    Log(HelperLogLevel::kWarning, WithFix(Notice::kHelperReplyFailed, "could not answer a worker: " + st.ToString()));
    CloseConnection(fd);
  }
}

void Helper::OnConnection(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  Connection& conn = *it->second;
  Status error;
  switch (conn.receiver.ReadSome(fd, &error)) {
    case FrameReceiver::Result::kFrame:
      HandleFrame(conn);
      return;
    case FrameReceiver::Result::kAgain:
      return;
    case FrameReceiver::Result::kEof:
      CloseConnection(fd);
      return;
    case FrameReceiver::Result::kError:
      // A worker that closes with our report unread (its client went away)
      // resets the connection: that is a worker gone, not bad data.
      if (error.sys_errno() != ECONNRESET)
        Log(HelperLogLevel::kError, WithFix(Notice::kHelperBadRequest, "bad data from a worker: " + error.ToString()));
      CloseConnection(fd);
      return;
  }
}

void Helper::Reap() {
  for (;;) {
    int status = 0;
    rusage ru{};
    pid_t pid = ::wait4(-1, &status, WNOHANG, &ru);
    if (pid <= 0) {
      if (pid < 0 && errno == EINTR) continue;
      return;
    }
    auto it = children_.find(pid);
    if (it == children_.end()) continue;  // an orphaned grandchild we adopted as subreaper
    Child child = it->second;
    children_.erase(it);
    Release(opt_.counters, child.slot);
    int64_t wall_us = NowUs() - child.started_us;
    ScriptReaped(opt_.stats, child.stats_slot, status, wall_us);
    if (child.conn_fd < 0) continue;
    auto conn = conns_.find(child.conn_fd);
    if (conn == conns_.end()) continue;
    conn->second->child = 0;
    wire::Exited exited{status, wall_us, TvUs(ru.ru_utime), TvUs(ru.ru_stime), ru.ru_maxrss};
    auto frame = wire::Encode(exited);
    if (frame.ok() && fault_ == InjectedFault::kBadExited) CorruptFrame(*frame);
    if (!frame.ok() || !SendFrame(child.conn_fd, *frame, {}, kReplyTimeoutMs).ok() || draining_ ||
        conns_.size() > opt_.max_kept_connections) {
      CloseConnection(child.conn_fd);
    }
  }
}

void Helper::OnSignal() {
  signalfd_siginfo si;
  while (::read(signals_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    if (si.ssi_signo == SIGCHLD) continue;  // reaped below in any case
    if (si.ssi_signo == SIGUSR2) {
      retiring_ = true;
      StopAccepting();
      continue;
    }
    if (!terminating_) {
      terminating_ = true;
      StopAccepting();
      int64_t now = NowUs();
      for (auto& [pid, child] : children_) TerminateGroup(pid, child, now);
      EndOrphans(now);
    }
  }
  Reap();
}

void Helper::KillOverdue(int64_t now) {
  for (auto it = doomed_.begin(); it != doomed_.end();) {
    if (it->kill_at_us > now) {
      ++it;
      continue;
    }
    // Whatever is left of the tree, and anything it forked meanwhile; only
    // processes still below this helper (a pid may have been reused).
    std::vector<pid_t> left;
    for (pid_t p : it->pids) {
      if (IsDescendantOf(p, self_)) left.push_back(p);
    }
    for (pid_t q : Descendants(left)) left.push_back(q);  // one /proc scan for the whole tree
    if (children_.count(it->root) != 0) ::kill(-it->root, SIGKILL);
    for (pid_t p : left) SignalIfBelow(p, self_, SIGKILL);
    if (left.empty() || ++it->rounds >= kKillRounds) {
      it = doomed_.erase(it);
    } else {
      it->pids = std::move(left);
      it->kill_at_us = now + 1000000;
      ++it;
    }
  }
}

int Helper::NextTimeoutMs(int64_t now) const {
  int64_t next = -1;
  for (const Doomed& d : doomed_) {
    int64_t wait = d.kill_at_us > now ? (d.kill_at_us - now) / 1000 + 1 : 0;
    if (next < 0 || wait < next) next = wait;
  }
  // A SIGKILLed child is reaped through SIGCHLD; poll again in a while regardless.
  if (next >= 0 || draining_) next = next >= 0 && next < 1000 ? next : 1000;
  int64_t sweep = warm_.NextSweepUs();  // an idle warm Python process to end
  if (sweep != std::numeric_limits<int64_t>::max()) {
    int64_t wait = sweep > now ? (sweep - now) / 1000 + 1 : 0;
    if (next < 0 || wait < next) next = wait;
  }
  return static_cast<int>(next);
}

int Helper::Run() {
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&mask, s);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return kHelperLoopFailed;
  self_ = getpid();
  fault_ = InjectedFaultFromEnvironment();
  signal(SIGPIPE, SIG_IGN);
  reset_signals_ = NonDefaultSignals();  // dispositions stay as they are from here on
  signals_.reset(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!signals_ || !epoll_) {
    Log(HelperLogLevel::kError, WithFix(Notice::kHelperEventLoop, Status::System("signalfd/epoll_create1", errno).ToString()));
    return kHelperLoopFailed;
  }
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  listen_fd_ = opt_.listen_fd;
  if (!SetNonBlocking(listen_fd_, true).ok() || !Watch(listen_fd_, EPOLLIN | EPOLLEXCLUSIVE) ||
      !Watch(opt_.lifeline_fd, EPOLLIN) || !Watch(signals_.get(), EPOLLIN)) {
    return kHelperLoopFailed;
  }

  epoll_event events[64];
  for (;;) {
    int64_t now = NowUs();
    if (terminating_ && children_.empty() && doomed_.empty()) return 0;
    // Draining: done when no script runs and no worker is connected (a
    // connection that never sends anything is given up on after a minute).
    bool idle = conns_.empty() || now - drain_started_us_ > kDrainIdleLimitUs;
    if (draining_ && children_.empty() && doomed_.empty() && idle) {
      return retiring_ ? kHelperRetired : 0;
    }
    KillOverdue(now);
    if (now >= warm_.NextSweepUs()) warm_.Sweep(now);
    int n = epoll_wait(epoll_.get(), events, 64, NextTimeoutMs(now));
    if (n < 0) {
      if (errno == EINTR) continue;
      Log(HelperLogLevel::kError, WithFix(Notice::kHelperEventLoop, Status::System("epoll_wait", errno).ToString()));
      return kHelperLoopFailed;
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == signals_.get()) {
        OnSignal();
      } else if (fd == opt_.lifeline_fd) {
        // EOF (or error): httpd's parent closed its end. Finish what runs, take nothing new.
        epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
        StopAccepting();
      } else if (fd == listen_fd_) {
        AcceptAll();
      } else if (warm_.Owns(fd)) {
        warm_.OnReadable(fd);
      } else {
        OnConnection(fd);
      }
    }
  }
}

}  // namespace

int RunHelper(const HelperOptions& options) {
  Helper helper(options);
  return helper.Run();
}

}  // namespace cppcgi
