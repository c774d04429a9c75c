// SPDX-License-Identifier: Apache-2.0
// Frames the header section of a CGI script's output (RFC 3875 §6): lines end
// in LF or CRLF, an empty line ends the section. Bytes are fed as they arrive
// from the script's stdout; the framer says how many of them belong to the
// header section, so the rest of the chunk is the first part of the body.
// Interpreting the header fields is left to the caller (in the module, httpd's
// own ap_scan_script_header_err_core_ex, for exact mod_cgi behaviour).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace cppcgi {

// Checks one header line before httpd interprets it: "name: value" with a
// token name, no control characters in the value (HTAB allowed) so a script
// cannot split the response, and a Status of three digits from 200 to 599
// (interim 1xx responses are only for nph scripts).
Status ValidateHeaderLine(std::string_view line, bool interim = false);

// A header section whose Status is 1xx (not 101) is an interim response
// (e.g. 103 Early Hints) to forward before the final one. Returns the code,
// or 0 for a final response.
int InterimStatus(const std::vector<std::string_view>& lines);

// True for a "Transfer-Encoding:" line. A (non-nph) script must not set the
// response's framing: httpd 2.4 passes the header on while sending the body
// unchunked, which breaks the response for the client; httpd trunk answers
// 502, and so do we.
bool IsTransferEncodingLine(std::string_view line);

class ScriptHeaderFramer {
 public:
  // httpd reads each script header line into an 8192-byte buffer
  // (MAX_STRING_LEN), terminator included.
  static constexpr size_t kMaxLineLength = 8190;
  static constexpr size_t kMaxSectionBytes = 64u << 10;
  static constexpr size_t kMaxLines = 512;

  enum class State { kNeedMore, kComplete, kError };

  // Consumes bytes from `chunk` up to and including the blank line that ends
  // the section. Returns the number of bytes consumed; when State() is
  // kComplete the remaining chunk.substr(consumed) is body.
  size_t Feed(std::string_view chunk);

  State state() const { return state_; }
  const Status& error() const { return error_; }
  // Header lines without their line ending, in order. Valid once kComplete.
  std::vector<std::string_view> lines() const;
  // Total bytes taken into the header section so far (0 = the script printed nothing).
  size_t bytes_seen() const { return buf_.size(); }

 private:
  void Fail(Code code, std::string message);

  std::string buf_;
  size_t line_start_ = 0;
  std::vector<std::pair<size_t, size_t>> lines_;  // offset, length (without CR/LF)
  State state_ = State::kNeedMore;
  Status error_;
};

}  // namespace cppcgi
