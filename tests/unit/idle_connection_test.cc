// SPDX-License-Identifier: Apache-2.0
#include "proc/worker/idle_connection.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

namespace cppcgi {
namespace {

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }

TEST(IdleConnectionTest, KeptConnectionIsReturnedOnceForItsPathOnly) {
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int raw = fd.get();
  KeepIdleConnection("/run/a.sock", std::move(fd));
  EXPECT_FALSE(TakeIdleConnection("/run/b.sock"));  // another pool's socket
  UniqueFd again = TakeIdleConnection("/run/a.sock");
  EXPECT_EQ(again.get(), raw);
  EXPECT_FALSE(TakeIdleConnection("/run/a.sock"));  // taken: no longer kept
}

TEST(IdleConnectionTest, KeepingAnotherClosesThePreviousOne) {
  UniqueFd first(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int raw = first.get();
  KeepIdleConnection("/run/a.sock", std::move(first));
  KeepIdleConnection("/run/a.sock", UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
  EXPECT_FALSE(IsOpen(raw));
  UniqueFd kept = TakeIdleConnection("/run/a.sock");
  EXPECT_TRUE(kept);
}

TEST(IdleConnectionTest, EachThreadKeepsItsOwn) {
  KeepIdleConnection("/run/a.sock", UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
  bool other_thread_saw_it = true;
  std::thread([&] { other_thread_saw_it = static_cast<bool>(TakeIdleConnection("/run/a.sock")); }).join();
  EXPECT_FALSE(other_thread_saw_it);
  EXPECT_TRUE(TakeIdleConnection("/run/a.sock"));
}

}  // namespace
}  // namespace cppcgi
