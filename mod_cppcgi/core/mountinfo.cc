// SPDX-License-Identifier: Apache-2.0
#include "core/mountinfo.h"

#include <charconv>

namespace cppcgi {
namespace {

// The next space-separated field of `line`, consumed.
std::string_view NextField(std::string_view* line) {
  size_t start = line->find_first_not_of(' ');
  if (start == std::string_view::npos) {
    *line = {};
    return {};
  }
  line->remove_prefix(start);
  size_t end = line->find(' ');
  std::string_view field = line->substr(0, end);
  line->remove_prefix(end == std::string_view::npos ? line->size() : end);
  return field;
}

// mountinfo writes space, tab, newline and backslash as \ooo.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool octal = true;
      for (size_t k = 1; k <= 3; ++k) {
        char c = s[i + k];
        if (c < '0' || c > '7') octal = false;
        v = v * 8 + (c - '0');
      }
      if (octal && v < 256) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool Contains(std::string_view mount_point, std::string_view path) {
  if (mount_point == "/") return true;
  return path.starts_with(mount_point) && (path.size() == mount_point.size() || path[mount_point.size()] == '/');
}

}  // namespace

std::optional<std::string> FindMountPoint(std::string_view mountinfo, uint32_t major, uint32_t minor,
                                          std::string_view path) {
  constexpr size_t kMaxLines = 100000;  // a bound on a hostile or broken file
  std::optional<std::string> best;
  bool best_contains = false;
  size_t lines = 0;
  while (!mountinfo.empty() && lines++ < kMaxLines) {
    size_t eol = mountinfo.find('\n');
    std::string_view line = mountinfo.substr(0, eol);
    mountinfo.remove_prefix(eol == std::string_view::npos ? mountinfo.size() : eol + 1);
    // mount ID, parent ID, major:minor, root, mount point, ...
    NextField(&line);
    NextField(&line);
    std::string_view dev = NextField(&line);
    NextField(&line);
    std::string_view point = NextField(&line);
    size_t colon = dev.find(':');
    if (point.empty() || colon == std::string_view::npos) continue;
    uint32_t ma = 0, mi = 0;
    auto r1 = std::from_chars(dev.data(), dev.data() + colon, ma);
    auto r2 = std::from_chars(dev.data() + colon + 1, dev.data() + dev.size(), mi);
    if (r1.ec != std::errc() || r2.ec != std::errc() || ma != major || mi != minor) continue;
    std::string decoded = Unescape(point);
    bool contains = Contains(decoded, path);
    if (contains ? (!best_contains || decoded.size() >= best->size()) : !best_contains) {
      best = std::move(decoded);
      best_contains = contains;
    }
  }
  return best;
}

}  // namespace cppcgi
