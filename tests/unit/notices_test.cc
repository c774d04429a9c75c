// SPDX-License-Identifier: Apache-2.0
#include "core/notices.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace cppcgi {
namespace {

// Every notice is a warning or worse and says what to do about it (the
// failures' table is walked the same way in failure_test.cc).
TEST(Notices, EveryNoticeNamesItsFix) {
  for (size_t i = 0; i < kNoticeCount; ++i) {
    const NoticeSpec& spec = SpecOf(static_cast<Notice>(i));
    EXPECT_NE(spec.level, LogLevel::kInfo) << "CPPCGI" << spec.id << " is no notice";
    EXPECT_GE(spec.fix.size(), 10u) << "CPPCGI" << spec.id << " has no fix";
    EXPECT_NE(spec.fix.substr(0, 4), "fix:") << "CPPCGI" << spec.id << ": the line adds 'fix:' itself";
    EXPECT_NE(spec.fix.back(), '.') << "CPPCGI" << spec.id;
  }
}

// An id stands for one kind of line: a notice's id is not a failure's,
// except SSI's 0019 (an nph- script in a page is one of its refusals), and
// only the families of lines share one: SSI's 0019, the pool's 0101 and
// 0102, and a helper's own 0104.
TEST(Notices, IdsDoNotCrossTheFailureTable) {
  std::set<int> fault_ids;
  for (size_t i = 0; i < kFaultCount; ++i) fault_ids.insert(SpecOf(static_cast<Fault>(i)).id);
  std::map<int, int> uses;
  for (size_t i = 0; i < kNoticeCount; ++i) {
    const NoticeSpec& spec = SpecOf(static_cast<Notice>(i));
    ++uses[spec.id];
    if (spec.id != 19) {
      EXPECT_EQ(fault_ids.count(spec.id), 0u) << "CPPCGI" << spec.id << " is also a failure's";
    }
    EXPECT_GT(spec.id, 0);
    EXPECT_LT(spec.id, 300) << "03xx are the checks' ids";
  }
  for (auto [id, count] : uses) {
    if (count > 1) {
      EXPECT_TRUE(id == 19 || id == 101 || id == 102 || id == 104) << "CPPCGI" << id << " used " << count;
    }
  }
}

TEST(Notices, TheLineIsIdTextAndFix) {
  EXPECT_EQ(NoticeLine(Notice::kStderrLimit, "stderr of /x reached CppCgiStderrLimit"),
            "CPPCGI0020: stderr of /x reached CppCgiStderrLimit; fix: raise CppCgiStderrLimit for its directory (0: "
            "no limit), or have the script write less to stderr");
  EXPECT_EQ(NoticeLine(Notice::kConflict, "mod_cgi.c is loaded").substr(0, 32), "CPPCGI0200: mod_cgi.c is loaded;");
  EXPECT_EQ(WithFix(Notice::kHelperAccept, "accept: (24) Too many open files").substr(0, 40),
            "accept: (24) Too many open files; fix: i");
}

TEST(Notices, WhatStopsTheServerIsSaidAtStartup) {
  EXPECT_TRUE(SpecOf(Notice::kConflict).at_startup);
  EXPECT_TRUE(SpecOf(Notice::kPoolStartFailed).at_startup);
  EXPECT_FALSE(SpecOf(Notice::kHelperDied).at_startup);
  EXPECT_NE(SpecOf(Notice::kHelperStartFailed).fix.find("CPPCGI0105"), std::string_view::npos);
  EXPECT_NE(SpecOf(Notice::kStderrLimit).fix.find("CppCgiStderrLimit"), std::string_view::npos);
}

}  // namespace
}  // namespace cppcgi
