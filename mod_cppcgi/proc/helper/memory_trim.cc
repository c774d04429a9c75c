// SPDX-License-Identifier: Apache-2.0
#include "proc/helper/memory_trim.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <charconv>
#include <string>

#include "core/unique_fd.h"

namespace cppcgi {
namespace {

constexpr size_t kMaxSmaps = 8u << 20;  // a few thousand mappings at most

bool ParseHex(std::string_view text, uintptr_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, 16);
  return ec == std::errc() && end == text.data() + text.size();
}

// "Anonymous:      12 kB" -> 12; -1 when the line is not that field.
long long FieldKb(std::string_view line, std::string_view name) {
  if (line.substr(0, name.size()) != name) return -1;
  line.remove_prefix(name.size());
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  long long value = -1;
  std::from_chars(line.data(), line.data() + line.size(), value);
  return value;
}

}  // namespace

std::vector<AddressRange> CleanFileMappings(std::string_view smaps) {
  std::vector<AddressRange> out;
  AddressRange current;
  bool candidate = false;
  long long rss = -1, anon = -1;
  auto finish = [&] {
    if (candidate && rss > 0 && anon == 0) out.push_back(current);
    candidate = false;
    rss = anon = -1;
  };
  while (!smaps.empty()) {
    size_t eol = smaps.find('\n');
    std::string_view line = smaps.substr(0, eol);
    smaps.remove_prefix(eol == std::string_view::npos ? smaps.size() : eol + 1);
    size_t dash = line.find('-');
    size_t space = line.find(' ');
    // A mapping's header: "start-end perms offset dev inode [path]"; field
    // lines start with a capitalised name and a colon.
    if (dash != std::string_view::npos && space != std::string_view::npos && dash < space) {
      uintptr_t start, end;
      if (!ParseHex(line.substr(0, dash), &start) || !ParseHex(line.substr(dash + 1, space - dash - 1), &end)) {
        continue;
      }
      finish();
      current = {start, end};
      std::string_view perms = line.substr(space + 1, 4);
      size_t slash = line.find(" /");  // only a file path starts with '/'
      candidate = perms.size() == 4 && perms[1] != 'w' && perms[3] == 'p' && slash != std::string_view::npos &&
                  line.find(" (deleted)") == std::string_view::npos;
      continue;
    }
    if (long long v = FieldKb(line, "Rss:"); v >= 0) rss = v;
    if (long long v = FieldKb(line, "Anonymous:"); v >= 0) anon = v;
  }
  finish();
  return out;
}

size_t DropCleanFileMappings() {
  UniqueFd fd(::open("/proc/self/smaps", O_RDONLY | O_CLOEXEC));
  if (!fd) return 0;
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n <= 0 || text.size() + static_cast<size_t>(n) > kMaxSmaps) break;
    text.append(buf, static_cast<size_t>(n));
  }
  size_t dropped = 0;
  for (const AddressRange& r : CleanFileMappings(text)) {
    if (::madvise(reinterpret_cast<void*>(r.start), r.end - r.start, MADV_DONTNEED) == 0) ++dropped;
  }
  return dropped;
}

}  // namespace cppcgi
