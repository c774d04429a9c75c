// SPDX-License-Identifier: Apache-2.0
#include "proc/worker/open_beneath.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace cppcgi {
namespace {

class OpenBeneathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cppcgi-beneath-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    allowed_ = root_ + "/allowed";
    ASSERT_EQ(::mkdir(allowed_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((allowed_ + "/sub").c_str(), 0755), 0);
    std::ofstream(allowed_ + "/sub/file.txt") << "inside";
    std::ofstream(root_ + "/secret.txt") << "outside";
  }
  void TearDown() override { (void)std::system(("rm -rf '" + root_ + "'").c_str()); }

  std::string root_, allowed_;
};

TEST_F(OpenBeneathTest, OpensARegularFileBeneath) {
  auto f = OpenRegularFileBeneath(allowed_, "sub/file.txt");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->st.st_size, 6);
  char buf[8] = {};
  EXPECT_EQ(::read(f->fd.get(), buf, sizeof buf), 6);
  EXPECT_EQ(std::string(buf), "inside");
  EXPECT_NE(::fcntl(f->fd.get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST_F(OpenBeneathTest, ALinkThatStaysInsideIsFollowed) {
  ASSERT_EQ(::symlink("sub/file.txt", (allowed_ + "/alias").c_str()), 0);
  EXPECT_TRUE(OpenRegularFileBeneath(allowed_, "alias").ok());
}

TEST_F(OpenBeneathTest, NoLinkLeadsOut) {
  ASSERT_EQ(::symlink((root_ + "/secret.txt").c_str(), (allowed_ + "/abs").c_str()), 0);
  ASSERT_EQ(::symlink("../secret.txt", (allowed_ + "/rel").c_str()), 0);
  ASSERT_EQ(::symlink(root_.c_str(), (allowed_ + "/updir").c_str()), 0);
  for (const char* name : {"abs", "rel", "updir/secret.txt"}) {
    auto f = OpenRegularFileBeneath(allowed_, name);
    ASSERT_FALSE(f.ok()) << name;
    EXPECT_EQ(f.status().code(), Code::kSystem) << name;
    EXPECT_TRUE(f.status().sys_errno() == EXDEV || f.status().sys_errno() == ELOOP) << name << " "
                                                                                     << f.status().ToString();
  }
  auto dots = OpenRegularFileBeneath(allowed_, "../secret.txt");
  EXPECT_FALSE(dots.ok());
}

TEST_F(OpenBeneathTest, MissingFilesAndOtherKindsAreRefused) {
  auto missing = OpenRegularFileBeneath(allowed_, "sub/none");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().sys_errno(), ENOENT);
  EXPECT_EQ(OpenRegularFileBeneath(allowed_, "sub").status().code(), Code::kInvalidArgument);
  // A FIFO is refused at once, not waited on for a writer.
  ASSERT_EQ(::mkfifo((allowed_ + "/fifo").c_str(), 0644), 0);
  EXPECT_EQ(OpenRegularFileBeneath(allowed_, "fifo").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(OpenRegularFileBeneath(root_ + "/nodir", "x").status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace cppcgi
