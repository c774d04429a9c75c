// SPDX-License-Identifier: Apache-2.0
#include "core/shebang.h"

#include <gtest/gtest.h>

namespace cppcgi {
namespace {

struct Case {
  std::string head;
  FileKind kind;
  std::string interpreter;
  std::string argument;
};

class ShebangTest : public ::testing::TestWithParam<Case> {};

TEST_P(ShebangTest, ParsesAsTheKernelDoes) {
  const Case& c = GetParam();
  Shebang s = ParseShebang(c.head);
  EXPECT_EQ(s.kind, c.kind) << c.head;
  EXPECT_EQ(s.interpreter, c.interpreter) << c.head;
  EXPECT_EQ(s.argument, c.argument) << c.head;
  EXPECT_EQ(s.has_argument, !c.argument.empty()) << c.head;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, ShebangTest,
    ::testing::Values(
        Case{"#!/bin/sh\necho", FileKind::kShebang, "/bin/sh", ""},
        Case{"#! /usr/bin/python3\n", FileKind::kShebang, "/usr/bin/python3", ""},
        Case{"#!/usr/bin/env python3\n", FileKind::kShebang, "/usr/bin/env", "python3"},
        // The kernel passes everything after the interpreter as ONE argument.
        Case{"#!/usr/bin/perl -w -T\n", FileKind::kShebang, "/usr/bin/perl", "-w -T"},
        Case{"#!\t/bin/sh \t\n", FileKind::kShebang, "/bin/sh", ""},
        Case{"#!/bin/sh", FileKind::kShebang, "/bin/sh", ""},  // file is only the #! line
        Case{"#!/bin/sh\r\necho", FileKind::kCrlf, "", ""},
        Case{"#!/usr/bin/env python3\r\n", FileKind::kCrlf, "", ""},
        // Found by fuzz_shebang: a CR inside the line, not at its end.
        Case{"#!/inh/s\rb2\n", FileKind::kCrlf, "", ""},
        Case{"#!/usr/bin/perl\r -w\n", FileKind::kCrlf, "", ""},
        Case{"\xEF\xBB\xBF#!/bin/sh\n", FileKind::kBom, "", ""},
        Case{"echo hi\n", FileKind::kNoShebang, "", ""},
        Case{"", FileKind::kNoShebang, "", ""},
        Case{" #!/bin/sh\n", FileKind::kNoShebang, "", ""},
        Case{"#!\n", FileKind::kNoInterpreter, "", ""},
        Case{"#!   \n", FileKind::kNoInterpreter, "", ""},
        Case{"#!python3\n", FileKind::kRelativeInterpreter, "python3", ""},
        Case{std::string("\x7f" "ELF\x02\x01\x01", 7), FileKind::kElf, "", ""},
        Case{"#!/" + std::string(300, 'a') + "\n", FileKind::kTooLong, "", ""},
        // 254 bytes of line + LF: ends exactly within the 256-byte buffer.
        Case{"#!/" + std::string(251, 'b') + "\n", FileKind::kShebang, "/" + std::string(251, 'b'), ""}));

TEST(ShebangTest, OnlyTheFirst256BytesCount) {
  std::string head = "#!/" + std::string(260, 'c') + "\n";
  EXPECT_EQ(ParseShebang(head).kind, FileKind::kTooLong);
}

}  // namespace
}  // namespace cppcgi
