// SPDX-License-Identifier: Apache-2.0
#include "proc/script_counters.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cppcgi {
namespace {

TEST(ScriptCountersTest, CapsRefuseWithoutCounting) {
  auto c = MapScriptCounters();
  ASSERT_TRUE(c.ok());
  std::string why;
  EXPECT_TRUE(TryAcquire(*c, 5, 2, 0, &why));
  EXPECT_TRUE(TryAcquire(*c, 5, 2, 0, &why));
  EXPECT_FALSE(TryAcquire(*c, 5, 2, 0, &why));
  EXPECT_NE(why.find("CppCgiMaxScripts limit of 2"), std::string::npos);
  EXPECT_EQ((*c)->per_dir[5].load(), 2u);
  EXPECT_EQ((*c)->total.load(), 2u);
  EXPECT_TRUE(TryAcquire(*c, 6, 2, 0, &why));  // another section has its own count
  EXPECT_FALSE(TryAcquire(*c, 7, 0, 3, &why));  // but the total is shared
  EXPECT_NE(why.find("CppCgiMaxScriptsTotal limit of 3"), std::string::npos);
  Release(*c, 5);
  EXPECT_TRUE(TryAcquire(*c, 5, 2, 3, &why));
  UnmapScriptCounters(*c);
}

TEST(ScriptCountersTest, SharedAcrossFork) {
  auto c = MapScriptCounters();
  ASSERT_TRUE(c.ok());
  pid_t pid = fork();
  if (pid == 0) {
    std::string why;
    _exit(TryAcquire(*c, 1, 1, 0, &why) ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  std::string why;
  EXPECT_FALSE(TryAcquire(*c, 1, 1, 0, &why));  // the child's count is visible here
  UnmapScriptCounters(*c);
}

}  // namespace
}  // namespace cppcgi
