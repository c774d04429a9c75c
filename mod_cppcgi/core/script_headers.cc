// SPDX-License-Identifier: Apache-2.0
#include "core/script_headers.h"

namespace cppcgi {
namespace {

bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

}  // namespace

bool IsTransferEncodingLine(std::string_view line) {
  size_t colon = line.find(':');
  return colon != std::string_view::npos && EqualsIgnoreCase(line.substr(0, colon), "Transfer-Encoding");
}

namespace {

// The status code of a "Status:" line's value, or 0 if it is not 3 digits.
int StatusCode(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  bool digits = value.size() >= 3 && value[0] >= '0' && value[0] <= '9' && value[1] >= '0' && value[1] <= '9' &&
                value[2] >= '0' && value[2] <= '9' && (value.size() == 3 || value[3] == ' ');
  return digits ? (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0') : 0;
}

bool IsInterimCode(int code) { return code >= 100 && code <= 199 && code != 101; }

}  // namespace

int InterimStatus(const std::vector<std::string_view>& lines) {
  for (std::string_view line : lines) {
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && EqualsIgnoreCase(line.substr(0, colon), "Status")) {
      int code = StatusCode(line.substr(colon + 1));
      return IsInterimCode(code) ? code : 0;
    }
  }
  return 0;
}

Status ValidateHeaderLine(std::string_view line, bool interim) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return {Code::kInvalidArgument, "no colon in header line"};
  std::string_view name = line.substr(0, colon);
  if (name.empty()) return {Code::kInvalidArgument, "empty header name"};
  for (unsigned char c : name) {
    if (!IsTokenChar(c)) return {Code::kInvalidArgument, "invalid character in header name"};
  }
  std::string_view value = line.substr(colon + 1);
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return {Code::kInvalidArgument, "control character in header value"};
  }
  if (EqualsIgnoreCase(name, "Status")) {
    int code = StatusCode(value);
    if (interim ? !IsInterimCode(code) : (code < 200 || code > 599))
      return {Code::kInvalidArgument, "Status must be three digits from 200 to 599"};
  }
  return Status::Ok();
}

void ScriptHeaderFramer::Fail(Code code, std::string message) {
  state_ = State::kError;
  error_ = Status(code, std::move(message));
}

size_t ScriptHeaderFramer::Feed(std::string_view chunk) {
  size_t consumed = 0;
  while (state_ == State::kNeedMore && consumed < chunk.size()) {
    std::string_view rest = chunk.substr(consumed);
    size_t nl = rest.find('\n');
    size_t take = (nl == std::string_view::npos) ? rest.size() : nl + 1;
    if (buf_.size() + take > kMaxSectionBytes) {
      Fail(Code::kTooLarge, "header section longer than " + std::to_string(kMaxSectionBytes) + " bytes");
      break;
    }
    buf_.append(rest.substr(0, take));
    consumed += take;
    size_t line_len = buf_.size() - line_start_;
    if (nl == std::string_view::npos) {
      if (line_len > kMaxLineLength + 1) {  // +1: room for a CR before the LF
        Fail(Code::kTooLarge, "header line longer than " + std::to_string(kMaxLineLength) + " bytes");
      }
      break;
    }
    size_t content = line_len - 1;  // without LF
    if (content > 0 && buf_[line_start_ + content - 1] == '\r') --content;
    if (content > kMaxLineLength) {
      Fail(Code::kTooLarge, "header line longer than " + std::to_string(kMaxLineLength) + " bytes");
      break;
    }
    if (content == 0) {
      state_ = State::kComplete;
      break;
    }
    if (lines_.size() >= kMaxLines) {
      Fail(Code::kTooLarge, "more than " + std::to_string(kMaxLines) + " header lines");
      break;
    }
    lines_.emplace_back(line_start_, content);
    line_start_ = buf_.size();
  }
  return consumed;
}

std::vector<std::string_view> ScriptHeaderFramer::lines() const {
  std::vector<std::string_view> out;
  out.reserve(lines_.size());
  std::string_view all(buf_);
  for (auto [off, len] : lines_) out.push_back(all.substr(off, len));
  return out;
}

}  // namespace cppcgi
