// SPDX-License-Identifier: Apache-2.0
#include "core/unique_fd.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace cppcgi {
namespace {

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFdTest, ClosesOnDestructionAndReset) {
  int raw;
  {
    auto p = MakePipe();
    ASSERT_TRUE(p.ok());
    raw = p->first.get();
    EXPECT_TRUE(IsOpen(raw));
  }
  EXPECT_FALSE(IsOpen(raw));
}

TEST(UniqueFdTest, MoveTransfersOwnership) {
  auto p = MakePipe();
  UniqueFd a = std::move(p->first);
  int raw = a.get();
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());
  EXPECT_EQ(b.get(), raw);
  b = UniqueFd();
  EXPECT_FALSE(IsOpen(raw));
}

TEST(UniqueFdTest, ReleaseGivesUpOwnership) {
  auto p = MakePipe();
  int raw = p->first.release();
  EXPECT_TRUE(IsOpen(raw));
  ::close(raw);
}

TEST(UniqueFdTest, EverythingIsCloseOnExec) {
  auto p = MakePipe(O_NONBLOCK);
  auto s = MakeSocketPair(SOCK_STREAM);
  for (int fd : {p->first.get(), p->second.get(), s->first.get(), s->second.get()}) {
    EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC) << fd;
  }
  EXPECT_TRUE(fcntl(p->first.get(), F_GETFL) & O_NONBLOCK);
}

TEST(UniqueFdTest, SetNonBlockingToggles) {
  auto p = MakePipe();
  ASSERT_TRUE(SetNonBlocking(p->first.get(), true).ok());
  EXPECT_TRUE(fcntl(p->first.get(), F_GETFL) & O_NONBLOCK);
  ASSERT_TRUE(SetNonBlocking(p->first.get(), false).ok());
  EXPECT_FALSE(fcntl(p->first.get(), F_GETFL) & O_NONBLOCK);
  EXPECT_FALSE(SetNonBlocking(-1, true).ok());
}

}  // namespace
}  // namespace cppcgi
