// SPDX-License-Identifier: Apache-2.0
// Running a script as another user through Apache's suEXEC wrapper, as
// mod_cgi does when SuexecUserGroup (mod_suexec) or a ~user UserDir
// (mod_userdir) names an identity: what the wrapper is given, what it will
// refuse (checked here first, so the log names the cause), and what its exit
// codes mean when it refused anyway.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/script_check.h"

namespace cppcgi {

// The identity httpd's get_suexec_identity hook gave for a request.
struct SuexecTarget {
  uint32_t uid = 0;
  uint32_t gid = 0;
  bool userdir = false;  // a ~user request: the wrapper checks against the user's UserDir
};

// The wrapper's argv, as httpd passes it: {wrapper, "uid" or "~uid", "gid",
// command}. The wrapper runs `command` from the working directory, which
// must be the script's; `command` is the script's file name (no '/').
std::vector<std::string> SuexecArgv(std::string_view wrapper, const SuexecTarget& target,
                                    std::string_view command);

// What the wrapper's exit status means when it refused to run the script
// (support/suexec.c exits with 101-124 before the exec); nullopt for any
// other status, which is the script's own.
std::optional<std::string> SuexecExitReason(int exit_code);

// The wrapper's ownership checks, done here on the same file facts: the
// target must not be root, and the script and its directory must be owned by
// the target user and group. (Writability, set-id bits and the owner's
// execute bit are CheckScriptFile's, run with the target's identity.)
std::optional<Refusal> CheckSuexecOwnership(std::string_view path, const FileFacts& script, const FileFacts& dir,
                                            const SuexecTarget& target);

}  // namespace cppcgi
