// SPDX-License-Identifier: Apache-2.0
#include "core/xsendfile.h"

#include <gtest/gtest.h>

namespace cppcgi {
namespace {

TEST(XSendfileTest, PicksTheLongestDirectoryThatHoldsThePathByComponents) {
  std::vector<std::string> dirs = {"/srv/files", "/srv/files/private/", "/var/cache"};
  auto r = ChooseSendfileDir("/srv/files/a/b.bin", dirs);
  ASSERT_TRUE(r.target);
  EXPECT_EQ(r.target->dir, "/srv/files");
  EXPECT_EQ(r.target->rel, "a/b.bin");
  r = ChooseSendfileDir("/srv/files/private/x", dirs);
  ASSERT_TRUE(r.target);
  EXPECT_EQ(r.target->dir, "/srv/files/private/");
  EXPECT_EQ(r.target->rel, "x");
  // A prefix of the name is not a directory that holds it.
  r = ChooseSendfileDir("/srv/files2/a", dirs);
  EXPECT_FALSE(r.target);
  EXPECT_EQ(r.problem, SendfilePathProblem::kNotAllowed);
  // The directory itself is not a file to send.
  EXPECT_FALSE(ChooseSendfileDir("/srv/files", dirs).target);
  EXPECT_FALSE(ChooseSendfileDir("/srv/files/", dirs).target);
  EXPECT_EQ(ChooseSendfileDir("/etc/passwd", dirs).problem, SendfilePathProblem::kNotAllowed);
  EXPECT_EQ(ChooseSendfileDir("/etc/passwd", {}).problem, SendfilePathProblem::kNotAllowed);
}

TEST(XSendfileTest, TheRootHoldsEveryAbsolutePath) {
  auto r = ChooseSendfileDir("/etc/hostname", {"/"});
  ASSERT_TRUE(r.target);
  EXPECT_EQ(r.target->rel, "etc/hostname");
}

TEST(XSendfileTest, RefusesDotComponentsAndRelativePaths) {
  std::vector<std::string> dirs = {"/srv/files"};
  EXPECT_EQ(ChooseSendfileDir("/srv/files/../../etc/passwd", dirs).problem, SendfilePathProblem::kDotComponent);
  EXPECT_EQ(ChooseSendfileDir("/srv/files/a/..", dirs).problem, SendfilePathProblem::kDotComponent);
  EXPECT_EQ(ChooseSendfileDir("/srv/files/./a", dirs).problem, SendfilePathProblem::kDotComponent);
  EXPECT_EQ(ChooseSendfileDir("/srv/files//a", dirs).problem, SendfilePathProblem::kDotComponent);
  EXPECT_EQ(ChooseSendfileDir("/srv/files/a/", dirs).problem, SendfilePathProblem::kDotComponent);
  EXPECT_EQ(ChooseSendfileDir("srv/files/a", dirs).problem, SendfilePathProblem::kNotAbsolute);
  EXPECT_EQ(ChooseSendfileDir("", dirs).problem, SendfilePathProblem::kNotAbsolute);
  EXPECT_EQ(ChooseSendfileDir(std::string_view("/srv/files/a\0b", 14), dirs).problem,
            SendfilePathProblem::kNotAbsolute);
  EXPECT_EQ(ChooseSendfileDir("/srv/files/" + std::string(kMaxSendfilePath, 'a'), dirs).problem,
            SendfilePathProblem::kNotAbsolute);
  // A name that merely starts with dots is a name.
  EXPECT_TRUE(ChooseSendfileDir("/srv/files/..hidden", dirs).target);
}

TEST(XSendfileTest, ListsTheDirectoriesForTheLog) {
  EXPECT_EQ(SendfileDirList({}), "none");
  EXPECT_EQ(SendfileDirList({"/a", "/b"}), "/a, /b");
}

}  // namespace
}  // namespace cppcgi
