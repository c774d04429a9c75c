// SPDX-License-Identifier: Apache-2.0
// Whether a script runs, and how, decided once from what is known about the
// files it involves. The worker (proc/worker/exec_plan.cc) opens the
// script's directory, the script, its interpreter and the suEXEC wrapper,
// and records what it found in ScriptFacts, in one pass; DecideExec then
// applies every check (core/script_check.h), in a fixed order, and answers
// with the first refusal or with what to execute. The doctor lists every
// problem from the same facts (ListProblems).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/script_check.h"
#include "core/shebang.h"
#include "core/suexec.h"
#include "core/suexec_policy.h"

namespace cppcgi {

// What a script must pass, and as whom it runs.
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
  // The wrapper's lowest ids and root for this target, when it told them
  // (core/suexec_policy.h); unset, it alone holds the script to them.
  std::optional<SuexecLimits> suexec_limits;
  // Through suEXEC, by helpers that run as the target (CppCgiSuexec
  // helpers), not the wrapper: the same checks, then the script is executed
  // by name in its directory, as the wrapper would.
  bool suexec_by_helpers = false;
};

// One file as the worker found it.
struct OpenedFile {
  bool opened = false;
  int error = 0;          // errno of the open (or fstat) that failed
  FileFacts facts;        // when opened
  bool readable = false;  // it could also be read
  int read_error = 0;     // errno of a read that failed
  std::string head;       // its first bytes, when readable
};

struct ScriptFacts {
  bool absolute = false;        // the path is an absolute file path
  OpenedFile dir;               // the script's directory
  std::string real_dir;         // its path with links resolved (through suEXEC, with limits to check)
  // When the directory or the script could not be opened for lack of
  // permission: each directory on the way, with its facts, to name the one
  // that blocks.
  std::vector<std::pair<std::string, FileFacts>> on_the_way;
  OpenedFile script;            // (through suEXEC: opened without following a link)
  Shebang shebang;              // its first line, when readable
  std::string interpreter;      // what would run it: CppCgiInterpreter's, or its #! line's; empty: none
  OpenedFile interpreter_file;  // head: its first two bytes
  OpenedFile wrapper;           // the suEXEC wrapper, when suEXEC applies
};

struct ExecChoice {
  // kByName: the script's file name in its directory (identity helpers).
  enum class Exec { kScript, kInterpreter, kWrapper, kByName } exec = Exec::kScript;
  std::vector<std::string> argv;  // complete: {script}, {interpreter, [arg,] script}, the wrapper's, or {name}
  std::vector<Warning> warnings;  // permission problems let run (to be said once per file)
};

std::variant<ExecChoice, Refusal> DecideExec(const ExecRequest& request, const ScriptFacts& facts);

// Every problem the checks find, each independently (the doctor's view),
// where the script could be opened; empty otherwise.
std::vector<Refusal> ListProblems(const ExecRequest& request, const ScriptFacts& facts,
                                  std::vector<Warning>* warnings);

// The first directory in `on_the_way` that `who` cannot search, as a refusal
// naming it and the fix.
std::optional<Refusal> UnsearchableDirectory(const std::string& path,
                                             const std::vector<std::pair<std::string, FileFacts>>& on_the_way,
                                             const Identity& who);

}  // namespace cppcgi
