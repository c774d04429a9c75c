// SPDX-License-Identifier: Apache-2.0
// Python source shared by the tests that check what a script inherits:
// leaves in `open_fds` the fds from 3 to 1023 that are open in the process.
#pragma once

namespace cppcgi::test_scripts {

inline constexpr char kCollectOpenFdsPy[] =
    "import os, sys\n"
    "open_fds = []\n"
    "for fd in range(3, 1024):\n"
    "    try:\n"
    "        os.fstat(fd)\n"
    "        open_fds.append(fd)\n"
    "    except OSError:\n"
    "        pass\n";

}  // namespace cppcgi::test_scripts
