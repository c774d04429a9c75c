// SPDX-License-Identifier: Apache-2.0
// The worker's side of one script's session with a helper: the spawn request
// and the script's pipe ends go out (on this thread's kept connection, or a
// new one), the start report comes back, and during the run the exit report.
// A helper whose answer is malformed or out of turn is not trusted with this
// script or any other: its connection is dropped (which makes a helper that
// still works end the script's tree) and it is retired.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "core/status.h"
#include "core/unique_fd.h"
#include "core/wire.h"
#include "glue/httpd_includes.h"
#include "proc/channel.h"

namespace cppcgi {

class HelperSession {
 public:
  HelperSession(request_rec* r, const std::string& socket_path) : r_(r), socket_path_(socket_path) {}
  HelperSession(const HelperSession&) = delete;
  HelperSession& operator=(const HelperSession&) = delete;

  // Sends the spawn request `frame` with `ends` (stdin, stdout, stderr, the
  // file to execute) and waits for the first answer. A kept connection whose
  // helper closed it meanwhile (a graceful restart, a helper's death) never
  // had the request read: it is sent again on a new connection. An error
  // that is not the helper's doing is kUnavailable; ECONNRESET (or EPIPE,
  // reported as ECONNRESET) means the request was not read.
  StatusOr<wire::Message> Send(const std::string& frame, const int (&ends)[4]);
  // Whether the last Send() delivered the request: the script may have started.
  bool request_sent() const { return request_sent_; }

  // The connection, to be polled for the exit report (-1 once dropped or reported).
  int fd() const { return conn_ && !exited_ ? conn_.get() : -1; }
  bool connected() const { return conn_.valid(); }
  // Reads what the helper sent during the run: its exit report; or its death.
  void Read();
  // The exit report (or bad data) came in the same read as the start report:
  // it is here already, and the connection will not turn readable for it.
  bool ReportBuffered() const;
  // Waits at most timeout_ms for the exit report.
  void CollectExit(int64_t timeout_ms);
  bool exited() const { return exited_; }
  const wire::Exited& exit_report() const { return exit_; }

  // Drops the connection: the helper ends the script's process tree.
  void Drop() { conn_.reset(); }
  // Done: after the exit report, nothing more is pending on the connection,
  // and this thread's next request can use it; otherwise it is closed.
  void Release();

  // A malformed or out-of-turn answer (`what`): recorded once
  // (Fault::kHelperProtocol), the connection dropped, the helper retired.
  void Distrust(const std::string& what);
  bool faulted() const { return !fault_.empty(); }
  // The recorded failure's text.
  const std::string& fault() const { return fault_; }

 private:
  void TakeExit(const StatusOr<wire::Message>& message);

  request_rec* r_;
  const std::string& socket_path_;
  UniqueFd conn_;
  FrameReceiver from_helper_;
  bool request_sent_ = false;
  bool exited_ = false;
  wire::Exited exit_{};
  std::string fault_;
};

}  // namespace cppcgi
