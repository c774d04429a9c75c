// SPDX-License-Identifier: Apache-2.0
// Splits a byte stream (a script's stderr) into lines for the error log.
// A line longer than the cap is emitted in pieces of at most `max_line`
// bytes, so one huge line cannot grow memory without bound.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace cppcgi {

class LineSplitter {
 public:
  using Sink = std::function<void(std::string_view line)>;
  explicit LineSplitter(size_t max_line = 8000) : max_line_(max_line) {}

  // Emits every complete line in `chunk` (without its LF or CRLF).
  void Feed(std::string_view chunk, const Sink& sink);
  // Emits a trailing partial line, if any.
  void Flush(const Sink& sink);

 private:
  size_t max_line_;
  std::string partial_;
};

}  // namespace cppcgi
