// Opens a script (and its interpreter) and runs every check on what was
// opened, so that the descriptor that passed the checks is the one the
// helper executes (execveat(fd, "", AT_EMPTY_PATH)): renaming another file
// into place after the check changes nothing. An ELF binary is executed
// through its own descriptor; a #! script through its interpreter's, with
// the script's path as the interpreter's argument, exactly as the kernel
// would pass it (interpreters need the real path: sys.path, __FILE__, $0).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/script_check.h"
#include "core/suexec.h"
#include "core/unique_fd.h"

namespace cppcgi {

struct ExecRequest {
  std::string path;              // absolute path of the script
  bool follow_symlinks = false;  // Options FollowSymLinks / SymLinksIfOwnerMatch
  CheckPolicy policy;
  Identity who;                  // the user scripts run as
  std::optional<std::string> interpreter;  // from CppCgiInterpreter, by extension
  // Set: the script runs as this identity through the suEXEC wrapper at
  // `suexec_wrapper` (SuexecUserGroup, ~user), which does its own checks
  // and exec; ours run first, with the target's identity.
  std::optional<SuexecTarget> suexec;
  std::string suexec_wrapper;
};

struct ExecPlan {
  UniqueFd exec_fd;               // what execveat() runs: the binary or the interpreter
  std::vector<std::string> argv;  // complete argv: {script} or {interpreter, [arg,] script}
                                  // or, through suEXEC, {wrapper, uid, gid, script's file name}
  std::vector<Warning> warnings;  // permission problems let run (to be said once per file)
};

using ExecDecision = std::variant<ExecPlan, Refusal>;

ExecDecision PrepareExec(const ExecRequest& request);

// The first directory on the way to `path` that `who` cannot search (no x
// permission), as a refusal naming it and the fix; nullopt if there is none.
std::optional<Refusal> FindUnsearchableDirectory(const std::string& path, const Identity& who);

// The identity of this process (euid, egid, supplementary groups).
Identity CurrentIdentity();

// The interpreter configured for the script's extension, if any.
std::optional<std::string> InterpreterForPath(const std::map<std::string, std::string>& by_extension,
                                              const std::string& path);

}  // namespace cppcgi
