// SPDX-License-Identifier: Apache-2.0
#include "core/mountinfo.h"

#include <gtest/gtest.h>

namespace cppcgi {
namespace {

constexpr std::string_view kTable =
    "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
    "40 22 0:35 / /srv/uploads rw,nosuid,nodev,noexec,relatime shared:20 - tmpfs tmpfs rw\n"
    "41 22 0:35 /sub /var/www/up\\040load rw,noexec shared:20 - tmpfs tmpfs rw\n"
    "42 22 0:36 / /tmp rw shared:21 - tmpfs tmpfs rw\n";

TEST(MountinfoTest, TheLongestMountOfTheDeviceThatContainsThePath) {
  EXPECT_EQ(FindMountPoint(kTable, 0, 35, "/srv/uploads/x/y.cgi"), "/srv/uploads");
  // A bind mount of the same device, with an escaped space.
  EXPECT_EQ(FindMountPoint(kTable, 0, 35, "/var/www/up load/y.cgi"), "/var/www/up load");
  EXPECT_EQ(FindMountPoint(kTable, 254, 1, "/usr/lib/cgi-bin/a"), "/");
  // "/srv/uploadsX" is not below "/srv/uploads": the device's last mount is named.
  EXPECT_EQ(FindMountPoint(kTable, 0, 35, "/elsewhere/a"), "/var/www/up load");
}

TEST(MountinfoTest, UnknownDeviceOrBrokenLines) {
  EXPECT_EQ(FindMountPoint(kTable, 9, 9, "/a"), std::nullopt);
  EXPECT_EQ(FindMountPoint("garbage\n\n1 2\n1 2 x:y / /m\n", 0, 35, "/m"), std::nullopt);
  EXPECT_EQ(FindMountPoint("", 0, 35, "/m"), std::nullopt);
}

}  // namespace
}  // namespace cppcgi
