// SPDX-License-Identifier: Apache-2.0
// Core result vocabulary: a Status (code, message, errno) and StatusOr<T>.
// No exceptions cross module boundaries; every fallible core call returns one of these.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace cppcgi {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // bad input from a peer or a caller
  kTooLarge,         // a size cap was hit
  kIncomplete,       // need more bytes
  kSystem,           // a syscall failed; errno is set
  kUnavailable,      // a peer is gone or not there yet
  kTimeout,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, int sys_errno = 0)
      : code_(code), message_(std::move(message)), errno_(sys_errno) {}

  static Status Ok() { return {}; }
  static Status System(std::string what, int sys_errno) {
    return {Code::kSystem, std::move(what), sys_errno};
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  int sys_errno() const { return errno_; }
  // "message: (errno) strerror" for logs.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  int errno_ = 0;
};

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace cppcgi
