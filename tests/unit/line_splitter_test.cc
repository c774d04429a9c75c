// SPDX-License-Identifier: Apache-2.0
#include "core/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cppcgi {
namespace {

std::vector<std::string> Split(std::initializer_list<std::string_view> chunks, size_t max = 8000) {
  LineSplitter s(max);
  std::vector<std::string> out;
  auto sink = [&](std::string_view l) { out.emplace_back(l); };
  for (auto c : chunks) s.Feed(c, sink);
  s.Flush(sink);
  return out;
}

TEST(LineSplitterTest, SplitsOnLfAndStripsCr) {
  EXPECT_EQ(Split({"a\nb\r\nc"}), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(LineSplitterTest, JoinsLinesAcrossChunks) {
  EXPECT_EQ(Split({"hel", "lo\nwor", "ld\n"}), (std::vector<std::string>{"hello", "world"}));
}

TEST(LineSplitterTest, EmptyLinesAreKept) {
  EXPECT_EQ(Split({"\n\nx\n"}), (std::vector<std::string>{"", "", "x"}));
}

TEST(LineSplitterTest, LongLinesComeOutInCappedPieces) {
  auto out = Split({std::string(25, 'x') + "\n"}, 10);
  EXPECT_EQ(out, (std::vector<std::string>{std::string(10, 'x'), std::string(10, 'x'), std::string(5, 'x')}));
  auto across = Split({std::string(7, 'a'), std::string(7, 'b') + "\n"}, 10);
  EXPECT_EQ(across, (std::vector<std::string>{"aaaaaaabbb", "bbbb"}));
}

TEST(LineSplitterTest, FlushWithNothingPendingEmitsNothing) {
  EXPECT_TRUE(Split({"a\n"}).size() == 1);
  EXPECT_TRUE(Split({}).empty());
}

}  // namespace
}  // namespace cppcgi
