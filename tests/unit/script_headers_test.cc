// SPDX-License-Identifier: Apache-2.0
#include "core/script_headers.h"

#include <gtest/gtest.h>

namespace cppcgi {
namespace {

std::vector<std::string> Lines(const ScriptHeaderFramer& f) {
  std::vector<std::string> out;
  for (auto l : f.lines()) out.emplace_back(l);
  return out;
}

TEST(ScriptHeaderFramerTest, LfAndCrlfSectionsEndAtBlankLine) {
  for (std::string_view input : {"Content-Type: text/plain\nX: 1\n\nbody", "Content-Type: text/plain\r\nX: 1\r\n\r\nbody"}) {
    ScriptHeaderFramer f;
    size_t used = f.Feed(input);
    ASSERT_EQ(f.state(), ScriptHeaderFramer::State::kComplete);
    EXPECT_EQ(input.substr(used), "body");
    EXPECT_EQ(Lines(f), (std::vector<std::string>{"Content-Type: text/plain", "X: 1"}));
  }
}

TEST(ScriptHeaderFramerTest, ByteByByteFeedGivesTheSameResult) {
  std::string input = "Status: 404 Not Found\r\nContent-Type: text/html\n\r\n<html>";
  ScriptHeaderFramer f;
  size_t i = 0;
  while (f.state() == ScriptHeaderFramer::State::kNeedMore && i < input.size()) {
    i += f.Feed(std::string_view(input).substr(i, 1));
  }
  ASSERT_EQ(f.state(), ScriptHeaderFramer::State::kComplete);
  EXPECT_EQ(input.substr(i), "<html>");
  EXPECT_EQ(Lines(f), (std::vector<std::string>{"Status: 404 Not Found", "Content-Type: text/html"}));
}

TEST(ScriptHeaderFramerTest, NothingFedMeansNoBytesSeen) {
  ScriptHeaderFramer f;
  EXPECT_EQ(f.bytes_seen(), 0u);
  f.Feed("Content-Type: x");
  EXPECT_EQ(f.state(), ScriptHeaderFramer::State::kNeedMore);
  EXPECT_GT(f.bytes_seen(), 0u);
}

TEST(ScriptHeaderFramerTest, LongestAllowedLineIsAcceptedOneMoreIsNot) {
  std::string ok = "X: " + std::string(ScriptHeaderFramer::kMaxLineLength - 3, 'a');
  ScriptHeaderFramer f1;
  f1.Feed(ok + "\r\n\n");
  EXPECT_EQ(f1.state(), ScriptHeaderFramer::State::kComplete);

  ScriptHeaderFramer f2;
  f2.Feed(ok + "a\n\n");
  EXPECT_EQ(f2.state(), ScriptHeaderFramer::State::kError);
  EXPECT_EQ(f2.error().code(), Code::kTooLarge);
}

TEST(ScriptHeaderFramerTest, UnterminatedHugeLineFailsWithoutWaitingForNewline) {
  ScriptHeaderFramer f;
  f.Feed(std::string(ScriptHeaderFramer::kMaxLineLength + 10, 'a'));
  EXPECT_EQ(f.state(), ScriptHeaderFramer::State::kError);
}

TEST(ScriptHeaderFramerTest, SectionAndLineCountCaps) {
  ScriptHeaderFramer many;
  std::string lines;
  for (size_t i = 0; i <= ScriptHeaderFramer::kMaxLines; ++i) lines += "X: 1\n";
  many.Feed(lines);
  EXPECT_EQ(many.state(), ScriptHeaderFramer::State::kError);

  ScriptHeaderFramer big;
  std::string line = "X: " + std::string(8000, 'b') + "\n";
  for (int i = 0; i < 10 && big.state() == ScriptHeaderFramer::State::kNeedMore; ++i) big.Feed(line);
  EXPECT_EQ(big.state(), ScriptHeaderFramer::State::kError);
}

TEST(ValidateHeaderLineTest, AcceptsOrdinaryHeaders) {
  for (std::string_view l : {"Content-Type: text/html", "X-A:b", "Set-Cookie: a=b; Path=/", "Status: 200",
                             "Status: 404 Not Found", "status:   302 Found", "X: tab\there"}) {
    EXPECT_TRUE(ValidateHeaderLine(l).ok()) << l;
  }
}

TEST(ValidateHeaderLineTest, RefusesWhatCouldSplitOrConfuseTheResponse) {
  for (std::string_view l : std::vector<std::string_view>{"no colon here", ": empty name", "Bad Name: x", "X\x01: y", "X: a\rb",
                             std::string_view("X: a\0b", 6), "X: del\x7f", "Status: 99", "Status: 100 Continue",
                             "Status: 600", "Status: abc", "Status: 2000", "Status:"}) {
    EXPECT_FALSE(ValidateHeaderLine(l).ok()) << l;
  }
}

}  // namespace
}  // namespace cppcgi

namespace cppcgi {
namespace {

TEST(ValidateHeaderLineTest, TransferEncodingIsRecognisedInAnyCase) {
  EXPECT_TRUE(IsTransferEncodingLine("Transfer-Encoding: chunked"));
  EXPECT_TRUE(IsTransferEncodingLine("transfer-encoding:gzip"));
  EXPECT_FALSE(IsTransferEncodingLine("X-Transfer-Encoding: chunked"));
  EXPECT_FALSE(IsTransferEncodingLine("Content-Type: transfer-encoding:"));
}

}  // namespace
}  // namespace cppcgi

namespace cppcgi {
namespace {

TEST(InterimStatusTest, OnlyOneXxButNot101) {
  EXPECT_EQ(InterimStatus({"Status: 103 Early Hints", "Link: </a.css>; rel=preload"}), 103);
  EXPECT_EQ(InterimStatus({"Link: </a.css>", "status: 102"}), 102);
  EXPECT_EQ(InterimStatus({"Status: 101 Switching Protocols"}), 0);
  EXPECT_EQ(InterimStatus({"Status: 200 OK"}), 0);
  EXPECT_EQ(InterimStatus({"Content-Type: text/plain"}), 0);
  EXPECT_TRUE(ValidateHeaderLine("Status: 103 Early Hints", true).ok());
  EXPECT_FALSE(ValidateHeaderLine("Status: 103 Early Hints", false).ok());
  EXPECT_FALSE(ValidateHeaderLine("Status: 200", true).ok());
}

}  // namespace
}  // namespace cppcgi
