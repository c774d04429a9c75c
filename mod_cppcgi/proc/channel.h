// SPDX-License-Identifier: Apache-2.0
// Frame I/O over a Unix-domain stream socket, with file descriptors passed
// as SCM_RIGHTS. Used by both ends: the handler (blocking, with timeouts)
// and the helper (non-blocking, inside its event loop).
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/unique_fd.h"
#include "core/wire.h"

namespace cppcgi {

// Sends one whole frame; `fds` ride on the first byte. Retries EINTR and
// short writes; on a non-blocking socket waits for POLLOUT up to timeout_ms.
Status SendFrame(int fd, std::string_view frame, std::span<const int> fds, int timeout_ms);

// Accumulates bytes and passed fds from a socket until a whole frame is there.
class FrameReceiver {
 public:
  static constexpr size_t kMaxFds = wire::kFdsPerSpawn;

  enum class Result { kFrame, kAgain, kEof, kError };

  // One recvmsg() (non-blocking use), then reports whether a frame is complete.
  Result ReadSome(int fd, Status* error);
  // Blocking use: waits up to timeout_ms for a complete frame. wait_first:
  // an answer cannot be there yet (one was just asked for), so poll before
  // the first recvmsg instead of after a certain EAGAIN.
  StatusOr<wire::Message> ReceiveMessage(int fd, int timeout_ms, bool wait_first = false);

  // After kFrame: removes the first frame (header + payload) from the buffer.
  std::string TakeFrame();
  std::vector<UniqueFd> TakeFds() { return std::move(fds_); }
  bool HasBufferedFrame(Status* error) const;
  // Nothing received and not yet taken: the connection is between frames.
  bool Idle() const { return buf_.empty() && fds_.empty(); }
  // The process that sent the last bytes received, as the kernel vouches for
  // it, on a socket that asked for it (AskSenderCredentials); 0 otherwise.
  pid_t sender() const { return sender_; }

 private:
  std::string buf_;
  std::vector<UniqueFd> fds_;
  bool too_many_fds_ = false;
  pid_t sender_ = 0;
};

// Has the kernel attach the sending process's credentials to every message
// received on fd (SO_PASSCRED): FrameReceiver::sender() then names it.
Status AskSenderCredentials(int fd);

// A receive error that is the peer's doing (a malformed frame, one past a
// size cap, unexpected descriptors), not the transport's (EOF, a reset, a
// timeout, a failed system call).
inline bool IsPeerFault(const Status& status) {
  return status.code() == Code::kInvalidArgument || status.code() == Code::kTooLarge;
}

// Connects to a helper's listening socket; retries while the socket is
// missing or its backlog is full, for at most timeout_ms.
StatusOr<UniqueFd> ConnectUnix(const std::string& path, int timeout_ms);

}  // namespace cppcgi
