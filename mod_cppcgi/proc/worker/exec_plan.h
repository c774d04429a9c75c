// SPDX-License-Identifier: Apache-2.0
// Opens a script (and its interpreter, or the suEXEC wrapper) once,
// records what it found (core/exec_decision.h's ScriptFacts), and lets the
// core decide; the descriptor that passed the checks is the one the helper
// executes (execveat(fd, "", AT_EMPTY_PATH)), so renaming another file into
// place after the check changes nothing. An ELF binary is executed through
// its own descriptor; a #! script through its interpreter's, with the
// script's path as the interpreter's argument, exactly as the kernel would
// pass it (interpreters need the real path: sys.path, __FILE__, $0).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/exec_decision.h"
#include "core/unique_fd.h"

namespace cppcgi {

struct ExecPlan {
  UniqueFd exec_fd;               // what execveat() runs: the binary, the interpreter or the wrapper
                                  // (or the script's directory, with exec_name)
  std::string exec_name;          // the script's file name, run by name in exec_fd (identity helpers)
  std::vector<std::string> argv;  // complete argv: {script} or {interpreter, [arg,] script}
                                  // or, through suEXEC, {wrapper, uid, gid, script's file name}
  std::vector<Warning> warnings;  // permission problems let run (to be said once per file)
};

using ExecDecision = std::variant<ExecPlan, Refusal>;

// What the files are, and the descriptors that were opened to find out.
struct GatheredScript {
  ScriptFacts facts;
  UniqueFd script_fd;
  UniqueFd interpreter_fd;
  UniqueFd wrapper_fd;
  UniqueFd dir_fd;  // the script's directory
};

// Opens everything the checks look at, as this process's user.
GatheredScript GatherScriptFacts(const ExecRequest& request);

// GatherScriptFacts, DecideExec, and the descriptor to execute.
ExecDecision PrepareExec(const ExecRequest& request);

// The identity of this process (euid, egid, supplementary groups).
Identity CurrentIdentity();

// The interpreter configured for the script's extension, if any.
std::optional<std::string> InterpreterForPath(const std::map<std::string, std::string>& by_extension,
                                              const std::string& path);

}  // namespace cppcgi
