// SPDX-License-Identifier: Apache-2.0
#include "core/suexec_policy.h"

namespace cppcgi {
namespace {

std::optional<uint32_t> Number(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  uint32_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  return n;
}

bool UnderRoot(std::string_view dir, std::string_view root) {
  while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
  if (root == "/") return !dir.empty() && dir[0] == '/';
  return dir.starts_with(root) && (dir.size() == root.size() || dir[root.size()] == '/');
}

}  // namespace

std::optional<SuexecSettings> ParseSuexecSettings(std::string_view output) {
  SuexecSettings s;
  bool known = false;
  while (!output.empty()) {
    size_t nl = output.find('\n');
    std::string_view line = output.substr(0, nl);
    output = nl == std::string_view::npos ? std::string_view() : output.substr(nl + 1);
    size_t d = line.find("-D ");
    if (d == std::string_view::npos) continue;
    line = line.substr(d + 3);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = line.substr(0, eq), value = line.substr(eq + 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.remove_suffix(1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (name == "AP_UID_MIN") {
      if (auto n = Number(value)) s.min_uid = *n, known = true;
    } else if (name == "AP_GID_MIN") {
      if (auto n = Number(value)) s.min_gid = *n;
    } else if (name == "AP_DOC_ROOT" && value.starts_with("/")) {
      s.doc_root = value;
      known = true;
    } else if (name == "AP_USERDIR_SUFFIX" && !value.empty()) {
      s.userdir_suffix = value;
    }
  }
  if (!known) return std::nullopt;
  return s;
}

std::optional<Refusal> CheckSuexecLimits(std::string_view path, std::string_view real_dir,
                                         const SuexecTarget& target, const SuexecLimits& limits) {
  if (target.uid == 0 || target.gid == 0) return std::nullopt;  // CPPCGI0323
  std::string p = "'" + std::string(path) + "'";
  if (target.uid < limits.min_uid || target.gid < limits.min_gid) {
    return Refusal{CheckId::kSuexecLowId, 500,
                   "suEXEC would run " + p + " as uid " + std::to_string(target.uid) + ", gid " +
                       std::to_string(target.gid) + ", below the lowest its wrapper runs scripts as (uid " +
                       std::to_string(limits.min_uid) + ", gid " + std::to_string(limits.min_gid) + ")",
                   "name a user and group at or above those ids (a site's own, not a system account)"};
  }
  if (!real_dir.empty() && !UnderRoot(real_dir, limits.root)) {
    std::string where = target.userdir ? "the user's UserDir " : "the wrapper's document root ";
    return Refusal{CheckId::kSuexecOutsideRoot, 500,
                   "suEXEC would run " + p + ", but its directory " + std::string(real_dir) + " is not under " +
                       where + limits.root,
                   "move the script under " + limits.root + " (suEXEC runs nothing elsewhere)"};
  }
  return std::nullopt;
}

}  // namespace cppcgi
