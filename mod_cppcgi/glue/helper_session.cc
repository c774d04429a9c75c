// SPDX-License-Identifier: Apache-2.0
#include "glue/helper_session.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "glue/failure_report.h"
#include "glue/pool_supervisor.h"
#include "proc/worker/idle_connection.h"
#include "proc/process_tree.h"

namespace cppcgi {
namespace {

constexpr int kConnectTimeoutMs = 5000;
constexpr int kStartTimeoutMs = 10000;

// Failing to reach a helper or to send it the request is never the helper's
// doing: only what it sends back can be (IsPeerFault, Fault()).
Status NotReached(const Status& st) {
  return IsPeerFault(st) ? Status(Code::kUnavailable, st.message(), st.sys_errno()) : st;
}

}  // namespace

StatusOr<wire::Message> HelperSession::Send(const std::string& frame, const int (&ends)[4]) {
  // This thread's connection from its last request, if it kept one; else a new one.
  UniqueFd kept = TakeIdleConnection(socket_path_);
  StatusOr<wire::Message> reply = Status(Code::kUnavailable, "not tried");
  for (bool reuse : {true, false}) {
    if (reuse && !kept) continue;
    from_helper_ = FrameReceiver();
    if (reuse) {
      conn_ = std::move(kept);
    } else {
      auto conn = ConnectUnix(socket_path_, kConnectTimeoutMs);
      if (!conn.ok()) return NotReached(conn.status());
      conn_ = std::move(*conn);
      // Every answer then names its sender, for Fault().
      (void)AskSenderCredentials(conn_.get());
      // Its exit report is read inside the pump, and waited for with a
      // deadline (a blocking recvmsg would ignore it). A kept one already is.
      (void)SetNonBlocking(conn_.get(), true);
    }
    Status st = SendFrame(conn_.get(), frame, ends, kConnectTimeoutMs);
    request_sent_ = st.ok();
    // EPIPE here is the same case as a reset: nothing was read.
    if (!st.ok()) reply = st.sys_errno() == EPIPE ? Status::System(st.message(), ECONNRESET) : NotReached(st);
    if (st.ok()) reply = from_helper_.ReceiveMessage(conn_.get(), kStartTimeoutMs, /*wait_first=*/true);
    if (reply.ok() || !reuse || reply.status().sys_errno() != ECONNRESET) break;
  }
  return reply;
}

void HelperSession::Read() {
  Status error;
  switch (from_helper_.ReadSome(conn_.get(), &error)) {
    case FrameReceiver::Result::kAgain:
      return;
    case FrameReceiver::Result::kFrame:
      if (!from_helper_.TakeFds().empty()) {
        Distrust("file descriptors attached to its exit report");
        return;
      }
      TakeExit(wire::Decode(from_helper_.TakeFrame()));
      return;
    case FrameReceiver::Result::kError:
      if (IsPeerFault(error)) {
        Distrust(error.ToString());
        return;
      }
      [[fallthrough]];
    case FrameReceiver::Result::kEof:
      // The helper died (httpd's parent then ends its scripts): nothing more
      // will come from it.
      conn_.reset();
      return;
  }
}

bool HelperSession::ReportBuffered() const {
  if (!conn_ || exited_) return false;
  Status header_error;
  return from_helper_.HasBufferedFrame(&header_error) || !header_error.ok();
}

void HelperSession::CollectExit(int64_t timeout_ms) {
  if (exited_ || !conn_) return;
  TakeExit(from_helper_.ReceiveMessage(conn_.get(), static_cast<int>(timeout_ms)));
}

void HelperSession::TakeExit(const StatusOr<wire::Message>& message) {
  if (!message.ok()) {
    // A timeout or EOF is for the caller to weigh; a malformed frame is not.
    if (IsPeerFault(message.status())) Distrust(message.status().ToString());
    return;
  }
  const auto* e = std::get_if<wire::Exited>(&*message);
  if (e == nullptr) {
    Distrust("an answer other than the exit report after the start report");
    return;
  }
  exit_ = *e;
  exited_ = true;
}

void HelperSession::Release() {
  if (exited_ && conn_ && from_helper_.Idle()) KeepIdleConnection(socket_path_, std::move(conn_));
  conn_.reset();
}

// The kernel names the sender of what was received (SO_PASSCRED); only a
// child of httpd's parent, or of this process under -X, is signalled
// (SIGUSR2: it takes no new script, finishes the others, and httpd's parent
// starts a replacement).
void HelperSession::Distrust(const std::string& what) {
  if (faulted()) return;
  pid_t helper = from_helper_.sender();
  bool retired =
      helper > 0 && (SignalIfChildOf(helper, getppid(), SIGUSR2) || SignalIfChildOf(helper, getpid(), SIGUSR2));
  conn_.reset();
  fault_ = "helper " + std::to_string(helper) + " sent a malformed or out-of-turn answer while running " +
           r_->filename + " (" + what + "); dropped its connection, which ends the script, and " +
           (retired ? "retired the helper (httpd's parent starts a new one)"
                    : "could not retire it (not a helper of this server, or gone)");
  RecordFailure(r_, Fault::kHelperProtocol, fault_);
}

}  // namespace cppcgi
