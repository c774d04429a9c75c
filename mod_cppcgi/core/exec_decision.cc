// SPDX-License-Identifier: Apache-2.0
#include "core/exec_decision.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace cppcgi {
namespace {

Refusal OpenFailed(const std::string& what, int err, int status) {
  return Refusal{CheckId::kOpenFailed, status, "cannot open " + what + ": " + std::strerror(err),
                 "check that the file exists and that every directory above it is searchable by the server's user"};
}

int OpenStatus(int err) { return err == EACCES ? 403 : 500; }

// A file that could not be opened: the directory that blocks the way, if
// that is why, else the open's error.
Refusal CannotOpen(const std::string& what, const std::string& path, int err, const ScriptFacts& f,
                   const Identity& who) {
  if (err == EACCES) {
    if (auto blocked = UnsearchableDirectory(path, f.on_the_way, who)) return *blocked;
  }
  return OpenFailed(what, err, OpenStatus(err));
}

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

const FileFacts* InterpreterFacts(const ScriptFacts& f) {
  return f.interpreter_file.opened ? &f.interpreter_file.facts : nullptr;
}

// Through suEXEC the wrapper executes the script by name, as the target
// user: our checks are the wrapper's (whatever CppCgiPermissionCheck says),
// done with the target's identity, plus the #! checks where we can read the
// script; what we execute is the wrapper.
std::variant<ExecChoice, Refusal> DecideSuexec(const ExecRequest& req, const ScriptFacts& f) {
  const std::string& path = req.path;
  const SuexecTarget& target = *req.suexec;
  if (req.interpreter) {
    return Refusal{CheckId::kSuexecByExtension, 500,
                   "'" + path + "' runs through suEXEC, which executes the script itself, so the CppCgiInterpreter "
                   "for its extension (" + *req.interpreter + ") cannot apply",
                   "give the script a #! line and the execute bit, and drop CppCgiInterpreter where suEXEC applies"};
  }
  if (!f.script.opened) return CannotOpen("'" + path + "'", path, f.script.error, f, req.who);
  // The wrapper refuses a symbolic link (lstat) whatever FollowSymLinks says.
  if (S_ISLNK(f.script.facts.mode)) {
    return Refusal{CheckId::kSymlink, 403, "'" + path + "' is a symbolic link, and suEXEC never runs one",
                   "replace the link by the file"};
  }
  if (req.suexec_limits) {
    if (auto r = CheckSuexecLimits(path, f.real_dir, target, *req.suexec_limits)) return *r;
  }
  Identity as_target{target.uid, target.gid, {}};
  CheckPolicy policy = req.policy;
  policy.permissions = PermissionMode::kStrict;  // the wrapper refuses what its group can write
  const FileFacts& script = f.script.facts;
  if (auto r = CheckScriptFile(path, script, f.dir.facts, as_target, policy, /*needs_exec_bit=*/false)) return *r;
  if (auto r = CheckSuexecOwnership(path, script, f.dir.facts, target)) return *r;
  // Owned by the target now: this is the owner's execute bit, as the wrapper wants.
  if (auto r = CheckScriptFile(path, script, f.dir.facts, as_target, policy, /*needs_exec_bit=*/true)) return *r;
  // A script only its owner may read is left to the wrapper and the kernel.
  if (f.script.readable) {
    if (auto r = CheckShebang(path, f.shebang)) return *r;
    if (f.shebang.kind == FileKind::kShebang) {
      if (auto r = CheckInterpreter(path, f.interpreter, InterpreterFacts(f), f.interpreter_file.error, as_target,
                                    policy))
        return *r;
    }
  }
  if (req.suexec_by_helpers) return ExecChoice{ExecChoice::Exec::kByName, {BaseName(path)}, {}};
  if (!f.wrapper.opened) {
    return Refusal{CheckId::kSuexecWrapperMissing, 500,
                   "'" + path + "' should run through suEXEC, but its wrapper '" + req.suexec_wrapper +
                       "' cannot be opened: " + std::strerror(f.wrapper.error),
                   "reinstall the wrapper (Debian: apt-get install apache2-suexec-pristine) and restart Apache"};
  }
  return ExecChoice{ExecChoice::Exec::kWrapper, SuexecArgv(req.suexec_wrapper, target, BaseName(path)), {}};
}

}  // namespace

std::optional<Refusal> UnsearchableDirectory(const std::string& path,
                                             const std::vector<std::pair<std::string, FileFacts>>& on_the_way,
                                             const Identity& who) {
  for (const auto& [dir, facts] : on_the_way) {
    if (!S_ISDIR(facts.mode) || CanExecute(facts, who)) continue;
    return Refusal{CheckId::kOpenFailed, 403,
                   "the directory '" + dir + "' on the way to '" + path + "' is not searchable by uid " +
                       std::to_string(who.uid) + " (mode " + std::to_string((facts.mode >> 6) & 7) +
                       std::to_string((facts.mode >> 3) & 7) + std::to_string(facts.mode & 7) + ")",
                   "chmod o+x " + dir + " (or give the server's group access to it)"};
  }
  return std::nullopt;
}

std::variant<ExecChoice, Refusal> DecideExec(const ExecRequest& req, const ScriptFacts& f) {
  const std::string& path = req.path;
  if (!f.absolute)
    return Refusal{CheckId::kOpenFailed, 500, "'" + path + "' is not an absolute file path", "check the configuration"};
  if (!f.dir.opened) return CannotOpen("the directory of '" + path + "'", path, f.dir.error, f, req.who);
  if (req.suexec) return DecideSuexec(req, f);

  if (!f.script.opened) {
    if (f.script.error == ELOOP && !req.follow_symlinks) {
      return Refusal{CheckId::kSymlink, 403,
                     "'" + path + "' is a symbolic link and symbolic links are not followed here",
                     "replace the link by the file, or enable Options FollowSymLinks for this directory"};
    }
    return CannotOpen("'" + path + "'", path, f.script.error, f, req.who);
  }
  const FileFacts& script = f.script.facts;
  bool by_extension = req.interpreter.has_value();
  std::vector<Warning> warnings;
  if (auto r = CheckScriptFile(path, script, f.dir.facts, req.who, req.policy, !by_extension, &warnings)) return *r;

  if (!by_extension) {
    // Not readable by us: only a binary can run like that; the kernel will tell.
    if (!f.script.readable) return ExecChoice{ExecChoice::Exec::kScript, {path}, std::move(warnings)};
    if (f.script.read_error != 0) return OpenFailed("'" + path + "' for reading", f.script.read_error, 500);
    if (auto r = CheckShebang(path, f.shebang)) return *r;
    if (f.shebang.kind == FileKind::kElf) return ExecChoice{ExecChoice::Exec::kScript, {path}, std::move(warnings)};
  }
  const std::string& interpreter = f.interpreter;
  if (!CanRead(script, req.who)) {
    return Refusal{CheckId::kNotReadable, 500,
                   "'" + path + "' is not readable by uid " + std::to_string(req.who.uid) + ", so " + interpreter +
                       " cannot read it",
                   "chmod a+r " + path};
  }
  if (auto r = CheckInterpreter(path, interpreter, InterpreterFacts(f), f.interpreter_file.error, req.who,
                                req.policy, &warnings))
    return *r;
  // What will be exec'd, read back (an execute-only binary is not).
  if (f.interpreter_file.readable) {
    if (auto r = CheckInterpreterKind(path, interpreter, f.interpreter_file.head)) return *r;
  }
  ExecChoice choice{ExecChoice::Exec::kInterpreter, {interpreter}, std::move(warnings)};
  if (!by_extension && f.shebang.has_argument) choice.argv.push_back(f.shebang.argument);
  choice.argv.push_back(path);
  return choice;
}

std::vector<Refusal> ListProblems(const ExecRequest& req, const ScriptFacts& f, std::vector<Warning>* warnings) {
  std::vector<Refusal> all;
  if (!f.absolute || !f.dir.opened || !f.script.opened) return all;
  all = CheckScriptFileAll(req.path, f.script.facts, f.dir.facts, req.who, req.policy, !req.interpreter, warnings);
  if (!req.interpreter && f.script.readable && f.script.read_error == 0 && S_ISREG(f.script.facts.mode)) {
    if (auto r = CheckShebang(req.path, f.shebang)) all.push_back(*r);
  }
  if (!f.interpreter.empty()) {
    if (auto r = CheckInterpreter(req.path, f.interpreter, InterpreterFacts(f), f.interpreter_file.error, req.who,
                                  req.policy, warnings))
      all.push_back(*r);
  }
  return all;
}

}  // namespace cppcgi
