// SPDX-License-Identifier: Apache-2.0
#include "core/suexec_policy.h"

#include <algorithm>
#include <array>

namespace cppcgi {
namespace {

// The variables the wrapper passes on by name (support/suexec.c's list).
constexpr std::array<std::string_view, 48> kSafeNames = {
    "AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE", "CONTEXT_DOCUMENT_ROOT", "CONTEXT_PREFIX", "DATE_GMT",
    "DATE_LOCAL", "DOCUMENT_ARGS", "DOCUMENT_NAME", "DOCUMENT_PATH_INFO", "DOCUMENT_ROOT", "DOCUMENT_URI",
    "GATEWAY_INTERFACE", "HTTPS", "LAST_MODIFIED", "PATH_INFO", "PATH_TRANSLATED", "QUERY_STRING",
    "QUERY_STRING_UNESCAPED", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_IDENT", "REMOTE_PORT", "REMOTE_USER",
    "REDIRECT_ERROR_NOTES", "REDIRECT_HANDLER", "REDIRECT_QUERY_STRING", "REDIRECT_REMOTE_USER",
    "REDIRECT_SCRIPT_FILENAME", "REDIRECT_STATUS", "REDIRECT_URL", "REQUEST_METHOD", "REQUEST_URI",
    "REQUEST_SCHEME", "SCRIPT_FILENAME", "SCRIPT_NAME", "SCRIPT_URI", "SCRIPT_URL", "SERVER_ADMIN",
    "SERVER_NAME", "SERVER_ADDR", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SIGNATURE", "SERVER_SOFTWARE",
    "UNIQUE_ID", "USER_NAME", "TZ"};
constexpr size_t kMaxEnvironment = 255;  // the wrapper's AP_ENVBUF, less its terminator

bool PassedOn(std::string_view name) {
  if (name == "HTTP_PROXY") return false;
  if (name.starts_with("HTTP_") || name.starts_with("SSL_")) return true;
  return std::find(kSafeNames.begin(), kSafeNames.end(), name) != kSafeNames.end();
}

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
    } else if (name == "AP_SAFE_PATH" && !value.empty()) {
      s.safe_path = value;
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

std::vector<std::string> SuexecEnvironment(const std::vector<std::string>& env, std::string_view safe_path) {
  std::vector<std::string> out;
  out.reserve(std::min(env.size() + 1, kMaxEnvironment));
  out.push_back("PATH=" + std::string(safe_path));
  for (const std::string& e : env) {
    if (out.size() >= kMaxEnvironment) break;
    size_t eq = e.find('=');
    if (eq == std::string::npos) continue;
    std::string_view name(e.data(), eq);
    if (name != "PATH" && PassedOn(name)) out.push_back(e);
  }
  return out;
}

}  // namespace cppcgi
