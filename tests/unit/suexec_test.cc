// SPDX-License-Identifier: Apache-2.0
#include "core/suexec.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace cppcgi {
namespace {

constexpr uint32_t kUser = 1001;
constexpr uint32_t kGroup = 1002;
const SuexecTarget kTarget{kUser, kGroup, false};

FileFacts Owned(uint32_t uid, uint32_t gid, uint32_t mode = S_IFREG | 0755) { return FileFacts{mode, uid, gid}; }

TEST(SuexecArgv, NumericUserGroupAndFileName) {
  EXPECT_EQ(SuexecArgv("/usr/lib/apache2/suexec", kTarget, "a.cgi"),
            (std::vector<std::string>{"/usr/lib/apache2/suexec", "1001", "1002", "a.cgi"}));
}

TEST(SuexecArgv, UserDirRequestMarksTheUserWithATilde) {
  EXPECT_EQ(SuexecArgv("/w", SuexecTarget{kUser, kGroup, true}, "b.pl"),
            (std::vector<std::string>{"/w", "~1001", "1002", "b.pl"}));
}

TEST(SuexecExitReason, WrapperCodesAreExplained) {
  EXPECT_NE(SuexecExitReason(114)->find("document root"), std::string::npos);
  EXPECT_NE(SuexecExitReason(120)->find("owned by the target"), std::string::npos);
  EXPECT_NE(SuexecExitReason(103)->find("AP_HTTPD_USER"), std::string::npos);
  for (int code = 101; code <= 124; ++code) EXPECT_TRUE(SuexecExitReason(code).has_value()) << code;
}

TEST(SuexecExitReason, OtherStatusesAreTheScriptsOwn) {
  for (int code : {0, 1, 2, 100, 125, 126, 127, 255}) EXPECT_FALSE(SuexecExitReason(code).has_value()) << code;
}

TEST(CheckSuexecOwnership, OwnedByTheTargetPasses) {
  EXPECT_FALSE(CheckSuexecOwnership("/var/www/a.cgi", Owned(kUser, kGroup), Owned(kUser, kGroup, S_IFDIR | 0755),
                                    kTarget));
}

TEST(CheckSuexecOwnership, RootTargetIsRefusedFirst) {
  for (SuexecTarget t : {SuexecTarget{0, kGroup, false}, SuexecTarget{kUser, 0, false}}) {
    auto r = CheckSuexecOwnership("/var/www/a.cgi", Owned(t.uid, t.gid), Owned(t.uid, t.gid), t);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->id, CheckId::kSuexecRootTarget);
    EXPECT_EQ(r->http_status, 500);
  }
}

TEST(CheckSuexecOwnership, ScriptOfAnotherUserOrGroupIsRefused) {
  for (FileFacts script : {Owned(kUser + 1, kGroup), Owned(kUser, kGroup + 1)}) {
    auto r = CheckSuexecOwnership("/var/www/a.cgi", script, Owned(kUser, kGroup), kTarget);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->id, CheckId::kSuexecOwner);
    EXPECT_EQ(r->http_status, 403);
    EXPECT_NE(r->problem.find("'/var/www/a.cgi'"), std::string::npos);
    EXPECT_NE(r->fix.find("chown 1001:1002 /var/www/a.cgi"), std::string::npos);
  }
}

TEST(CheckSuexecOwnership, DirectoryOfAnotherUserIsRefused) {
  auto r = CheckSuexecOwnership("/var/www/a.cgi", Owned(kUser, kGroup), Owned(0, 0, S_IFDIR | 0755), kTarget);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, CheckId::kSuexecDirOwner);
  EXPECT_NE(r->problem.find("uid 0, gid 0"), std::string::npos);
}

}  // namespace
}  // namespace cppcgi
