// SPDX-License-Identifier: Apache-2.0
#include "proc/channel.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <cerrno>
#include <cstring>

namespace cppcgi {
namespace {

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// Waits for `events` on fd until the absolute deadline (ms, CLOCK_MONOTONIC).
Status WaitFor(int fd, short events, int64_t deadline) {
  for (;;) {
    int64_t left = deadline - NowMs();
    if (left <= 0) return {Code::kTimeout, "timed out waiting for the helper"};
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return Status::Ok();
    if (n < 0 && errno != EINTR) return Status::System("poll", errno);
  }
}

}  // namespace

Status SendFrame(int fd, std::string_view frame, std::span<const int> fds, int timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  size_t sent = 0;
  bool fds_sent = fds.empty();
  while (sent < frame.size()) {
    iovec iov{const_cast<char*>(frame.data() + sent), frame.size() - sent};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * wire::kFdsPerSpawn)];
    if (!fds_sent) {
      if (fds.size() > static_cast<size_t>(wire::kFdsPerSpawn))
        return {Code::kInvalidArgument, "too many fds for one frame"};
      size_t bytes = sizeof(int) * fds.size();
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(bytes);
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(bytes);
      std::memcpy(CMSG_DATA(c), fds.data(), bytes);
    }
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
      fds_sent = true;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      if (Status st = WaitFor(fd, POLLOUT, deadline); !st.ok()) return st;
      continue;
    }
    return Status::System("sendmsg to helper", errno);
  }
  return Status::Ok();
}

bool FrameReceiver::HasBufferedFrame(Status* error) const {
  auto span = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buf_.data()), buf_.size());
  auto header = wire::DecodeHeader(span);
  if (!header.ok()) {
    if (header.status().code() != Code::kIncomplete && error) *error = header.status();
    return false;
  }
  return buf_.size() >= wire::kHeaderSize + header->length;
}

FrameReceiver::Result FrameReceiver::ReadSome(int fd, Status* error) {
  Status header_error;
  if (HasBufferedFrame(&header_error)) return Result::kFrame;
  if (!header_error.ok()) {
    *error = header_error;
    return Result::kError;
  }
  char data[16384];
  iovec iov{data, sizeof data};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds) + CMSG_SPACE(sizeof(ucred))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) return Result::kAgain;
    *error = Status::System("recvmsg", errno);
    return Result::kError;
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(ucred))) {
      ucred cred;
      std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
      sender_ = cred.pid;
      continue;
    }
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int passed;
      std::memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
      if (fds_.size() >= kMaxFds) too_many_fds_ = true;
      fds_.emplace_back(passed);  // owned (and closed) even when refused
    }
  }
  if ((msg.msg_flags & MSG_CTRUNC) != 0 || too_many_fds_) {
    *error = Status(Code::kInvalidArgument, "peer passed more file descriptors than a frame carries");
    return Result::kError;
  }
  if (n == 0) return Result::kEof;
  if (buf_.size() + static_cast<size_t>(n) > wire::kHeaderSize + wire::kMaxPayload + sizeof data) {
    *error = Status(Code::kTooLarge, "peer sent more than one frame's worth of data");
    return Result::kError;
  }
  buf_.append(data, static_cast<size_t>(n));
  if (HasBufferedFrame(&header_error)) return Result::kFrame;
  if (!header_error.ok()) {
    *error = header_error;
    return Result::kError;
  }
  return Result::kAgain;
}

std::string FrameReceiver::TakeFrame() {
  auto span = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buf_.data()), buf_.size());
  auto header = wire::DecodeHeader(span);
  size_t total = wire::kHeaderSize + header->length;
  std::string frame = buf_.substr(0, total);
  buf_.erase(0, total);
  // A connection is kept between requests: it must not keep the room its
  // largest request needed (a helper may hold hundreds of them).
  if (buf_.empty()) std::string().swap(buf_);
  return frame;
}

StatusOr<wire::Message> FrameReceiver::ReceiveMessage(int fd, int timeout_ms, bool wait_first) {
  int64_t deadline = NowMs() + timeout_ms;
  if (wait_first && !HasBufferedFrame(nullptr)) {
    if (Status st = WaitFor(fd, POLLIN, deadline); !st.ok()) return st;
  }
  for (;;) {
    Status error;
    Result r = ReadSome(fd, &error);
    switch (r) {
      case Result::kFrame: {
        auto message = wire::Decode(TakeFrame());
        if (!fds_.empty()) return Status(Code::kInvalidArgument, "helper passed unexpected file descriptors");
        return message;
      }
      case Result::kEof:
        return Status(Code::kUnavailable, "helper closed the connection");
      case Result::kError:
        return error;
      case Result::kAgain:
        if (Status st = WaitFor(fd, POLLIN, deadline); !st.ok()) return st;
        break;
    }
  }
}

Status AskSenderCredentials(int fd) {
  int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
    return Status::System("setsockopt SO_PASSCRED", errno);
  }
  return Status::Ok();
}

StatusOr<UniqueFd> ConnectUnix(const std::string& path, int timeout_ms) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return Status(Code::kInvalidArgument, "socket path too long: " + path);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int64_t deadline = NowMs() + timeout_ms;
  int delay_ms = 1;
  for (;;) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return Status::System("socket", errno);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    int err = errno;
    bool retry = err == ENOENT || err == ECONNREFUSED || err == EAGAIN || err == EINTR;
    if (!retry || NowMs() + delay_ms > deadline) return Status::System("connect to " + path, err);
    timespec ts{0, delay_ms * 1000000L};
    nanosleep(&ts, nullptr);
    delay_ms = delay_ms < 100 ? delay_ms * 2 : 100;
  }
}

}  // namespace cppcgi
