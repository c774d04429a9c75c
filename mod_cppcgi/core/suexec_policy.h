// SPDX-License-Identifier: Apache-2.0
// What Apache's suEXEC wrapper checks against its compiled-in settings (the
// lowest uid and gid it runs scripts as, the root a script must be under),
// checked before it runs, so that a refusal names its cause instead of
// coming back as the wrapper's exit code. httpd's parent reads the settings
// from the wrapper itself at startup (`suexec -V`, which it answers for root).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/script_check.h"
#include "core/suexec.h"

namespace cppcgi {

// The wrapper's compiled-in settings; the defaults are Debian's.
struct SuexecSettings {
  uint32_t min_uid = 100;                 // AP_UID_MIN
  uint32_t min_gid = 100;                 // AP_GID_MIN
  std::string doc_root = "/var/www";      // AP_DOC_ROOT
  std::string userdir_suffix = "public_html";  // AP_USERDIR_SUFFIX
  std::string safe_path = "/usr/local/bin:/usr/bin:/bin";  // AP_SAFE_PATH
  // doc_root with its links resolved, by whoever may touch the file system
  // (once per server generation); empty: resolve it for each target.
  std::string real_doc_root;
};

// Reads what `suexec -V` prints (` -D AP_DOC_ROOT="/var/www"`, one a line)
// over the defaults; nullopt when it names neither AP_DOC_ROOT nor AP_UID_MIN
// (not the wrapper's answer).
std::optional<SuexecSettings> ParseSuexecSettings(std::string_view output);

// For one target: its lowest ids, and the directory its scripts must be
// under (the document root, or for a ~user request the user's
// home/AP_USERDIR_SUFFIX), with symbolic links resolved as the wrapper
// resolves them (getcwd).
struct SuexecLimits {
  uint32_t min_uid = 0;
  uint32_t min_gid = 0;
  std::string root;
};

// The target's ids, and the script's directory under the root, compared by
// whole path components (the wrapper's plain prefix compare takes /var/www2
// for a place under /var/www; this does not). `real_dir` is the script's
// directory with links resolved (empty: not known, not checked). A root
// target is left to CheckSuexecOwnership (CPPCGI0323).
std::optional<Refusal> CheckSuexecLimits(std::string_view path, std::string_view real_dir,
                                         const SuexecTarget& target, const SuexecLimits& limits);

// The environment as the wrapper passes it on: PATH is the safe path, and of
// the rest only HTTP_* (but HTTP_PROXY, a client's Proxy: header), SSL_* and
// the CGI variables on its list are kept, in order, at most 255 in all.
std::vector<std::string> SuexecEnvironment(const std::vector<std::string>& env, std::string_view safe_path);

}  // namespace cppcgi
