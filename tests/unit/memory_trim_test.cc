// SPDX-License-Identifier: Apache-2.0
#include "proc/helper/memory_trim.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/unique_fd.h"

namespace cppcgi {
namespace {

constexpr std::string_view kSmaps =
    "55d0c4a00000-55d0c4a2a000 r--p 00000000 fe:01 123 /usr/sbin/apache2\n"
    "Size:                168 kB\n"
    "Rss:                 168 kB\n"
    "Anonymous:             0 kB\n"
    "VmFlags: rd mr mw me sd\n"
    "7f0000000000-7f0000100000 r-xp 00028000 fe:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "Rss:                1024 kB\n"
    "Anonymous:             0 kB\n"
    "7f0000100000-7f0000104000 r--p 00214000 fe:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "Rss:                  16 kB\n"
    "Anonymous:            16 kB\n"  // relocated, then made read-only: copied pages
    "7f0000104000-7f0000106000 rw-p 00218000 fe:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "Rss:                   8 kB\n"
    "Anonymous:             0 kB\n"  // writable: never
    "7f0000200000-7f0000300000 r-xp 00000000 00:00 0 \n"
    "Rss:                  64 kB\n"
    "Anonymous:             0 kB\n"  // no file
    "7f0000300000-7f0000400000 r--s 00000000 00:01 9 /dev/zero (deleted)\n"
    "Rss:                  64 kB\n"
    "Anonymous:             0 kB\n"  // shared
    "7f0000400000-7f0000500000 r-xp 00000000 fe:01 789 /usr/lib/apache2/modules/mod_mime.so\n"
    "Rss:                   0 kB\n"
    "Anonymous:             0 kB\n"  // nothing resident: nothing to drop
    "7ffd00000000-7ffd00001000 r-xp 00000000 00:00 0 [vdso]\n"
    "Rss:                   4 kB\n"
    "Anonymous:             0 kB\n"
    "7f0000600000-7f0000700000 r-xp 00000000 fe:01 790 /usr/lib/libx.so\n"
    "Rss:                  12 kB\n";  // no Anonymous field: unknown, kept

TEST(MemoryTrimTest, OnlyResidentCleanPrivateFileMappingsAreDropped) {
  auto ranges = CleanFileMappings(kSmaps);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].start, 0x55d0c4a00000u);
  EXPECT_EQ(ranges[0].end, 0x55d0c4a2a000u);
  EXPECT_EQ(ranges[1].start, 0x7f0000000000u);
  EXPECT_EQ(ranges[1].end, 0x7f0000100000u);
}

TEST(MemoryTrimTest, GarbageGivesNothing) {
  EXPECT_TRUE(CleanFileMappings("").empty());
  EXPECT_TRUE(CleanFileMappings("zz-yy r-xp 0 0 0 /x\nRss: 4 kB\nAnonymous: 0 kB\n").empty());
  EXPECT_TRUE(CleanFileMappings("\n\n-\n 1-2\n").empty());
}

// Resident set from smaps_rollup, which walks the page tables: VmRSS in
// /proc/self/status is a per-CPU counter that may lag by a few hundred kB.
long RssKb() {
  std::ifstream rollup("/proc/self/smaps_rollup");
  std::string line;
  while (std::getline(rollup, line)) {
    if (line.rfind("Rss:", 0) == 0) return std::stol(line.substr(4));
  }
  return -1;
}

TEST(MemoryTrimTest, AProcessRunsOnAfterDroppingAndHoldsLess) {
  // A read-only private file mapping made resident gives a drop far larger
  // than what the child faults back in by running on.
  constexpr size_t kFileSize = 4u << 20;
  char path[] = "/tmp/cppcgi-trim-XXXXXX";
  UniqueFd file(mkostemp(path, O_CLOEXEC));
  ASSERT_TRUE(file.valid());
  // Removed only when the child is done: a deleted file's mapping is never dropped.
  struct Unlinked {
    const char* path;
    ~Unlinked() { unlink(path); }
  } unlinked{path};
  std::string page(4096, 'x');
  for (size_t done = 0; done < kFileSize; done += page.size()) {
    ASSERT_EQ(write(file.get(), page.data(), page.size()), static_cast<ssize_t>(page.size()));
  }
  auto pipe_ends = MakePipe();
  ASSERT_TRUE(pipe_ends.ok());
  auto& [read_end, write_end] = *pipe_ends;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // In a child: drop, then use libc, libstdc++ and this binary's code again.
    void* map = mmap(nullptr, kFileSize, PROT_READ, MAP_PRIVATE, file.get(), 0);
    unsigned sum = 0;
    if (map != MAP_FAILED) {
      for (size_t i = 0; i < kFileSize; i += 4096) sum += static_cast<const volatile char*>(map)[i];
    }
    long before = RssKb();
    size_t dropped = DropCleanFileMappings();
    long after = RssKb();
    std::ostringstream out;
    out << (dropped > 0) << ' ' << (after + 2048 < before) << ' ' << CleanFileMappings(kSmaps).size() << ' '
        << sum;
    std::string s = out.str();
    (void)!write(write_end.get(), s.data(), s.size());
    _exit(0);
  }
  file.reset();
  write_end.reset();
  char buf[64] = {};
  ssize_t n = read(read_end.get(), buf, sizeof buf - 1);
  int status;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "1 1 2 122880");
}

}  // namespace
}  // namespace cppcgi
