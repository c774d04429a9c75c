// SPDX-License-Identifier: Apache-2.0
#include "core/line_splitter.h"

namespace cppcgi {
namespace {

std::string_view StripCr(std::string_view s) {
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

}  // namespace

void LineSplitter::Feed(std::string_view chunk, const Sink& sink) {
  while (!chunk.empty()) {
    size_t nl = chunk.find('\n');
    std::string_view piece = chunk.substr(0, nl == std::string_view::npos ? chunk.size() : nl);
    // Never let the pending line exceed the cap.
    while (partial_.size() + piece.size() > max_line_) {
      size_t room = max_line_ - partial_.size();
      partial_.append(piece.substr(0, room));
      sink(partial_);
      partial_.clear();
      piece.remove_prefix(room);
    }
    if (nl == std::string_view::npos) {
      partial_.append(piece);
      return;
    }
    if (partial_.empty()) {
      sink(StripCr(piece));
    } else {
      partial_.append(piece);
      sink(StripCr(partial_));
      partial_.clear();
    }
    chunk.remove_prefix(nl + 1);
  }
}

void LineSplitter::Flush(const Sink& sink) {
  if (!partial_.empty()) {
    sink(StripCr(partial_));
    partial_.clear();
  }
}

}  // namespace cppcgi
