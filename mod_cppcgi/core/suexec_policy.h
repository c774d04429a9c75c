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

#include "core/script_check.h"
#include "core/suexec.h"

namespace cppcgi {

// The wrapper's compiled-in settings; the defaults are Debian's.
struct SuexecSettings {
  uint32_t min_uid = 100;                 // AP_UID_MIN
  uint32_t min_gid = 100;                 // AP_GID_MIN
  std::string doc_root = "/var/www";      // AP_DOC_ROOT
  std::string userdir_suffix = "public_html";  // AP_USERDIR_SUFFIX
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

}  // namespace cppcgi
