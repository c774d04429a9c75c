// SPDX-License-Identifier: Apache-2.0
#include "proc/process_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "core/unique_fd.h"

namespace cppcgi {
namespace {

std::optional<ProcStat> ReadStat(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  char buf[1024];  // comm is at most 64 bytes: the ppid is well inside
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n <= 0) return std::nullopt;
  return ParseProcStat(std::string_view(buf, static_cast<size_t>(n)));
}

}  // namespace

std::optional<pid_t> ParentOf(pid_t pid) {
  auto st = ReadStat(pid);
  if (!st) return std::nullopt;
  return st->ppid;
}

std::optional<ProcStat> ParseProcStat(std::string_view stat) {
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos || close + 4 > stat.size()) return std::nullopt;
  std::string_view rest = stat.substr(close + 1);  // " S 1234 ..."
  if (rest.size() < 4 || rest[0] != ' ' || rest[2] != ' ') return std::nullopt;
  char state = rest[1];
  rest.remove_prefix(3);
  int ppid = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), ppid);
  if (ec != std::errc() || end == rest.data() || ppid < 0) return std::nullopt;
  return ProcStat{state, static_cast<pid_t>(ppid)};
}

std::vector<pid_t> Descendants(const std::vector<pid_t>& roots) {
  std::unordered_multimap<pid_t, pid_t> children;
  if (DIR* d = ::opendir("/proc")) {
    while (dirent* e = ::readdir(d)) {
      int pid = 0;
      const char* name = e->d_name;
      auto [end, ec] = std::from_chars(name, name + std::strlen(name), pid);
      if (ec != std::errc() || *end != '\0' || pid <= 0) continue;
      if (auto ppid = ParentOf(pid)) children.emplace(*ppid, pid);
    }
    ::closedir(d);
  }
  std::vector<pid_t> out;
  std::vector<pid_t> todo = roots;
  while (!todo.empty() && out.size() < 100000) {
    pid_t p = todo.back();
    todo.pop_back();
    auto [first, last] = children.equal_range(p);
    for (auto it = first; it != last; ++it) {
      out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return out;
}

bool RunsAs(pid_t pid, uid_t uid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  char buf[4096];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return false;
  std::string_view text(buf, static_cast<size_t>(n));
  size_t at = text.find("\nUid:");
  if (at == std::string_view::npos) return false;
  text.remove_prefix(at + 5);
  for (int i = 0; i < 4; ++i) {
    while (!text.empty() && (text[0] == '\t' || text[0] == ' ')) text.remove_prefix(1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || value != uid) return false;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
  }
  return true;
}

bool IsDescendantOf(pid_t pid, pid_t ancestor) {
  auto st = ReadStat(pid);
  if (!st || st->state == 'Z' || st->state == 'X') return false;
  for (int depth = 0; depth < 4096 && pid > 1; ++depth) {
    auto ppid = ParentOf(pid);
    if (!ppid) return false;
    if (*ppid == ancestor) return true;
    pid = *ppid;
  }
  return false;
}

namespace {

// Signals pid if `holds` says so, through a pidfd taken before asking.
template <typename Check>
bool SignalChecked(pid_t pid, int sig, Check holds) {
  if (pid <= 1) return false;
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) {
    // No such process, or a kernel without pidfds (before 5.3): check, then signal.
    return errno != ESRCH && holds() && ::kill(pid, sig) == 0;
  }
  if (!holds()) return false;
  return ::syscall(SYS_pidfd_send_signal, pidfd.get(), sig, nullptr, 0) == 0;
}

}  // namespace

bool SignalIfBelow(pid_t pid, pid_t ancestor, int sig) {
  return SignalChecked(pid, sig, [&] { return IsDescendantOf(pid, ancestor); });
}

bool SignalIfChildOf(pid_t pid, pid_t parent, int sig) {
  return SignalChecked(pid, sig, [&] {
    auto stat = ReadStat(pid);
    return stat && stat->state != 'Z' && stat->ppid == parent;
  });
}

}  // namespace cppcgi
