// SPDX-License-Identifier: Apache-2.0
#include "proc/helper/warm_python.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "core/notices.h"
#include "core/python_preload.h"

namespace cppcgi {
namespace {

// The two ends of a pipe whose far end is closed: the warm process starts
// on pipes (as a script does), which it never uses itself.
bool DeadPipe(UniqueFd* read_end, UniqueFd* write_end) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return false;
  read_end->reset(p[0]);
  write_end->reset(p[1]);
  return true;
}

Status SendRequest(int control, const std::string& message, SpawnFds fds) {
  int passed[4] = {fds.stdin_fd, fds.stdout_fd, fds.stderr_fd, fds.exec_fd};
  char control_buf[CMSG_SPACE(sizeof passed)] = {};
  iovec iov{const_cast<char*>(message.data()), message.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control_buf;
  msg.msg_controllen = sizeof control_buf;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof passed);
  std::memcpy(CMSG_DATA(c), passed, sizeof passed);
  for (;;) {
    if (::sendmsg(control, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) return Status::Ok();
    if (errno != EINTR) return Status::System("send to the warm Python process", errno);
  }
}

// One message, waited for at most `timeout_ms`.
StatusOr<std::string> Receive(int control, int timeout_ms) {
  pollfd p{control, POLLIN, 0};
  for (;;) {
    int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return Status(Code::kTimeout, "the warm Python process did not answer");
    if (n < 0) return Status::System("poll", errno);
    break;
  }
  char buf[4096];
  ssize_t got = ::recv(control, buf, sizeof buf, MSG_DONTWAIT);
  if (got < 0) return Status::System("recv from the warm Python process", errno);
  if (got == 0) return Status(Code::kUnavailable, "the warm Python process is gone");
  return std::string(buf, static_cast<size_t>(got));
}

}  // namespace

WarmPythons::Outcome WarmPythons::Spawn(const wire::SpawnRequest& request, SpawnFds fds, int64_t now_us) {
  Outcome out;
  auto python = WarmPythonFor(request.argv, request.path);
  struct stat st;
  if (!python || !request.exec_name.empty() || ::fstat(fds.exec_fd, &st) != 0 || !S_ISREG(st.st_mode)) return out;
  std::string key = WarmProcessKey(st.st_dev, st.st_ino, python->flags, StartupEnvironment(request.env),
                                   request.python_preload);
  auto it = processes_.find(key);
  if (it != processes_.end() && it->second.ready &&
      (it->second.scripts >= kMaxScripts || now_us - it->second.started_us >= kMaxAgeUs)) {
    End(key);  // its successor starts now; this script runs the normal way meanwhile
    it = processes_.end();
  }
  if (it == processes_.end()) {
    auto failed = failed_until_.find(key);
    if (failed != failed_until_.end() && failed->second <= now_us) failed = failed_until_.erase(failed);
    if (failed == failed_until_.end()) Start(key, request, python->flags, fds.exec_fd, now_us);
    return out;
  }
  Process& p = it->second;
  if (!p.ready) return out;
  auto message = EncodeWarmRequest(request);
  if (!message.ok()) return out;  // too large to pass: the normal way
  Status sent = SendRequest(p.control.get(), *message, fds);
  if (!sent.ok()) {
    // Nothing was started: the normal way. Too large for the socket's buffer
    // (EMSGSIZE) or a full one (EAGAIN) says nothing against the process.
    if (sent.sys_errno() != EMSGSIZE && sent.sys_errno() != EAGAIN && sent.sys_errno() != ENOBUFS) End(key);
    return out;
  }
  auto reply = Receive(p.control.get(), kReplyTimeoutMs);
  auto parsed = reply.ok() ? ParseWarmReply(*reply) : StatusOr<WarmReply>(reply.status());
  if (!parsed.ok()) {
    // It may have started the script or not: this request fails, the process is replaced.
    log_(HelperLogLevel::kWarning,
         WithFix(Notice::kWarmPythonFailed, "the warm Python process " + std::to_string(p.pid) + " for " +
                                                python->interpreter + " failed: " + parsed.status().message() +
                                                "; it is ended"));
    ::kill(p.pid, SIGKILL);
    End(key);
    out.kind = Outcome::Kind::kFailed;
    out.sys_errno = EIO;
    out.what = "start by the warm Python process";
    return out;
  }
  if (parsed->pid <= 0) {
    out.kind = Outcome::Kind::kFailed;
    out.sys_errno = parsed->sys_errno;
    out.what = "fork by the warm Python process (" + parsed->what + ")";
    return out;
  }
  // The script is this helper's child (CLONE_PARENT) and sets its own group
  // too: whichever runs first, the group exists before the pid is reported.
  ::setpgid(parsed->pid, parsed->pid);
  ++p.scripts;
  p.used_us = now_us;
  out.kind = Outcome::Kind::kStarted;
  out.pid = parsed->pid;
  return out;
}

void WarmPythons::Start(const std::string& key, const wire::SpawnRequest& request, const std::string& flags,
                        int exec_fd, int64_t now_us) {
  if (processes_.size() >= kMaxProcesses) {
    // The one used longest ago makes room.
    auto oldest = processes_.begin();
    for (auto it = processes_.begin(); it != processes_.end(); ++it) {
      if (it->second.used_us < oldest->second.used_us) oldest = it;
    }
    End(oldest->first);
  }
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return;
  UniqueFd ours(sv[0]);
  UniqueFd theirs(sv[1]);
  UniqueFd in_r, in_w, out_r, out_w, err_r, err_w;
  if (!DeadPipe(&in_r, &in_w) || !DeadPipe(&out_r, &out_w) || !DeadPipe(&err_r, &err_w)) return;
  in_w.reset();
  out_r.reset();
  err_r.reset();

  // Started as a script is (spawn.cc), with its socket to this helper as fd
  // 3, and ended by the kernel if this helper dies.
  wire::SpawnRequest start;
  start.path = request.argv[0];
  start.argv = {request.argv[0]};
  if (!flags.empty()) start.argv.push_back(flags);
  start.argv.push_back("-c");
  start.argv.push_back(kWarmPythonSource);
  for (const std::string& m : request.python_preload) start.argv.push_back(m);
  start.env = StartupEnvironment(request.env);
  // The dynamic linker binds every symbol at start-up, in the warm process,
  // rather than each script process binding the ones it calls first (a
  // hash-table walk through every library, in pages it touches for the
  // first time). Scripts never see it: their environment is the request's.
  start.env.push_back("LD_BIND_NOW=1");
  auto pid = SpawnScript(start, SpawnFds{in_r.get(), out_w.get(), err_w.get(), exec_fd}, nullptr,
                         SpawnExtras{.fd3 = theirs.get(), .end_with_helper = true});
  if (!pid.ok()) {
    log_(HelperLogLevel::kWarning,
         WithFix(Notice::kWarmPythonFailed, "a warm Python process for " + start.path + " could not start (" +
                                                pid.status().ToString() + "); not retried for a minute"));
    failed_until_[key] = now_us + kRetryAfterUs;
    return;
  }
  int fd = ours.get();
  if (!watch_(fd)) {
    ::kill(*pid, SIGKILL);
    return;
  }
  Process p;
  p.pid = *pid;
  p.control = std::move(ours);
  p.started_us = now_us;
  p.used_us = now_us;
  by_fd_[fd] = key;
  processes_[key] = std::move(p);
}

void WarmPythons::OnReadable(int fd) {
  auto k = by_fd_.find(fd);
  if (k == by_fd_.end()) return;
  std::string key = k->second;
  Process& p = processes_.at(key);
  char buf[4096];
  ssize_t got = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;  // its answer was read by Spawn
  std::string_view said(buf, got > 0 ? static_cast<size_t>(got) : 0);
  if (said == "ready" && !p.ready) {
    p.ready = true;
    return;
  }
  if (p.ready && got == 0) {
    End(key);  // it exited or was killed: the next request starts another
    return;
  }
  std::string why = said.starts_with("failed ") ? std::string(said.substr(7))
                                                : (got == 0 ? std::string("it exited while starting")
                                                            : "it said '" + std::string(said.substr(0, 200)) + "'");
  log_(HelperLogLevel::kWarning,
       WithFix(Notice::kWarmPythonFailed, "the warm Python process " + std::to_string(p.pid) +
                                              " could not start (" + why + "); not retried for a minute"));
  failed_until_[key] = p.started_us + kRetryAfterUs;
  ::kill(p.pid, SIGKILL);
  End(key);
}

void WarmPythons::End(const std::string& key) {
  auto it = processes_.find(key);
  if (it == processes_.end()) return;
  // It reads EOF on its control socket and exits; the helper reaps it.
  by_fd_.erase(it->second.control.get());
  processes_.erase(it);
}

int64_t WarmPythons::NextSweepUs() const {
  int64_t next = std::numeric_limits<int64_t>::max();
  for (const auto& [key, p] : processes_) {
    if (p.ready) next = std::min(next, p.used_us + kMaxIdleUs);
  }
  return next;
}

void WarmPythons::Sweep(int64_t now_us) {
  for (auto it = processes_.begin(); it != processes_.end();) {
    auto next = std::next(it);
    if (it->second.ready && now_us - it->second.used_us >= kMaxIdleUs) End(it->first);
    it = next;
  }
  for (auto it = failed_until_.begin(); it != failed_until_.end();) {
    it = it->second <= now_us ? failed_until_.erase(it) : std::next(it);
  }
}

}  // namespace cppcgi
