// SPDX-License-Identifier: Apache-2.0
// Which mount a file is on, from the text of /proc/self/mountinfo (read by
// the caller): for naming the mount point in a refusal, such as a script on
// a file system mounted noexec.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cppcgi {

// The mount point of the file at `path` whose st_dev has the given major and
// minor numbers: of the mounts of that device, the one with the longest
// mount point that contains `path` (bind mounts share a device); if none
// contains it, the last of them. nullopt if no mount has that device.
// Escaped characters (\040 for a space) are decoded.
std::optional<std::string> FindMountPoint(std::string_view mountinfo, uint32_t major, uint32_t minor,
                                          std::string_view path);

}  // namespace cppcgi
