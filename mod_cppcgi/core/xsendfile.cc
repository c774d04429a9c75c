// SPDX-License-Identifier: Apache-2.0
#include "core/xsendfile.h"

namespace cppcgi {

SendfilePathResult ChooseSendfileDir(std::string_view path, const std::vector<std::string>& dirs) {
  SendfilePathResult out;
  if (path.empty() || path.front() != '/' || path.size() > kMaxSendfilePath ||
      path.find('\0') != std::string_view::npos) {
    out.problem = SendfilePathProblem::kNotAbsolute;
    return out;
  }
  for (size_t start = 1; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      out.problem = SendfilePathProblem::kDotComponent;
      return out;
    }
    start = end + 1;
  }
  // The longest allowed directory that holds the path by whole components.
  size_t best_cut = 0;
  const std::string* best = nullptr;
  for (const std::string& dir : dirs) {
    std::string_view d = dir;
    while (d.size() > 1 && d.back() == '/') d.remove_suffix(1);
    if (d.empty() || d.front() != '/') continue;
    size_t cut = d == "/" ? 1 : d.size() + 1;  // where the relative rest starts
    bool holds = d == "/" || (path.starts_with(d) && path.size() > d.size() && path[d.size()] == '/');
    if (!holds || path.size() <= cut || cut <= best_cut) continue;
    best = &dir;
    best_cut = cut;
  }
  if (best == nullptr) {
    out.problem = SendfilePathProblem::kNotAllowed;
    return out;
  }
  out.target = SendfileTarget{*best, std::string(path.substr(best_cut))};
  return out;
}

std::string SendfileDirList(const std::vector<std::string>& dirs) {
  if (dirs.empty()) return "none";
  std::string out;
  for (const std::string& d : dirs) {
    if (!out.empty()) out += ", ";
    out += d;
  }
  return out;
}

}  // namespace cppcgi
