// SPDX-License-Identifier: Apache-2.0
#include "core/script_check.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace cppcgi {
namespace {

constexpr int kForbidden = 403;
constexpr int kBroken = 500;

bool InGroup(uint32_t gid, const Identity& who) {
  return gid == who.gid || std::find(who.groups.begin(), who.groups.end(), gid) != who.groups.end();
}

// Permission bit for `who`: the owner's, the group's, or the others' bit, as the kernel picks.
bool HasBit(const FileFacts& f, const Identity& who, uint32_t owner_bit, uint32_t group_bit, uint32_t other_bit) {
  if (who.uid == 0) return owner_bit == S_IXUSR ? (f.mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0 : true;
  if (f.uid == who.uid) return (f.mode & owner_bit) != 0;
  if (InGroup(f.gid, who)) return (f.mode & group_bit) != 0;
  return (f.mode & other_bit) != 0;
}

std::string Octal(uint32_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

Refusal Make(CheckId id, int status, std::string problem, std::string fix) {
  return Refusal{id, status, std::move(problem), std::move(fix)};
}

// FNV-1a over the file's identity and state and the check: the key under
// which a warning is said once.
uint64_t OnceKey(const FileFacts& f, CheckId id) {
  uint64_t h = 1469598103934665603ull;
  for (uint64_t v : {f.dev, f.ino, static_cast<uint64_t>(f.ctime_ns), static_cast<uint64_t>(id)}) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  }
  return h | 1;  // never 0, the empty slot of the once-table
}

// A permission problem in `file`: refused, let run with a warning, or let
// be, as CppCgiPermissionCheck says. `group_only`: only the file's group, not
// others, can do what is wrong (On lets such a file run).
void Judge(const CheckPolicy& policy, bool group_only, const FileFacts& file, Refusal refusal,
           std::vector<Refusal>* out, std::vector<Warning>* warnings) {
  switch (policy.permissions) {
    case PermissionMode::kOff:
      return;
    case PermissionMode::kStrict:
      if (group_only) refusal.fix += " (or CppCgiPermissionCheck On, which runs it and warns once)";
      out->push_back(std::move(refusal));
      return;
    case PermissionMode::kOn:
      if (!group_only) {
        out->push_back(std::move(refusal));
        return;
      }
      break;
    case PermissionMode::kWarn:
      break;
  }
  if (warnings == nullptr) return;
  if (group_only && policy.permissions == PermissionMode::kOn) refusal.fix += " (or CppCgiPermissionCheck Strict, to refuse it)";
  uint64_t key = OnceKey(file, refusal.id);
  std::string why = policy.permissions == PermissionMode::kWarn
                        ? "; it runs, because CppCgiPermissionCheck is Warn here"
                        : "; it runs: CppCgiPermissionCheck On lets run what only a file's group can write, "
                          "and says so once per file";
  warnings->push_back(Warning{Make(CheckId::kPermissionRisk, 0, refusal.problem + why, refusal.fix), key});
}

}  // namespace

std::string LogId(CheckId id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "CPPCGI%04d", static_cast<int>(id));
  return buf;
}

const char* PermissionModeName(PermissionMode mode) {
  switch (mode) {
    case PermissionMode::kOff:
      return "Off";
    case PermissionMode::kWarn:
      return "Warn";
    case PermissionMode::kOn:
      return "On";
    case PermissionMode::kStrict:
      return "Strict";
  }
  return "On";
}

bool CanExecute(const FileFacts& f, const Identity& who) { return HasBit(f, who, S_IXUSR, S_IXGRP, S_IXOTH); }
bool CanRead(const FileFacts& f, const Identity& who) { return HasBit(f, who, S_IRUSR, S_IRGRP, S_IROTH); }

std::vector<Refusal> CheckScriptFileAll(std::string_view path, const FileFacts& script, const FileFacts& dir,
                                        const Identity& who, const CheckPolicy& policy, bool needs_exec_bit,
                                        std::vector<Warning>* warnings) {
  std::vector<Refusal> out;
  std::string p = Quoted(path);
  if (!S_ISREG(script.mode)) {
    out.push_back(Make(CheckId::kNotRegular, kForbidden, p + " is not a regular file",
                       "only regular files can run as CGI scripts"));
    return out;  // nothing else about it means anything
  }
  // Whatever CppCgiPermissionCheck says: this is the kernel's policy, which
  // an interpreter given the script's path would bypass (an execve of a #!
  // script there fails, as mod_cgi's does).
  if (script.noexec_mount) {
    std::string mount = script.mount_point.empty() ? "its mount point" : script.mount_point;
    out.push_back(Make(CheckId::kNoexecMount, kForbidden,
                       p + " is on a file system mounted noexec (at " + mount +
                           "), where nothing may be executed, so it is not run as a script either",
                       "move the script to a file system mounted with exec; or, if programs are meant to run from "
                       "there, remount it without noexec (mount -o remount,exec " + mount + ", and in /etc/fstab)"));
  }
  if ((script.mode & (S_ISUID | S_ISGID)) != 0) {
    Judge(policy, false, script,
          Make(CheckId::kSetId, kForbidden, p + " is setuid or setgid (mode " + Octal(script.mode) + ")",
               "remove the bits: chmod ug-s " + std::string(path)),
          &out, warnings);
  }
  if ((script.mode & (S_IWGRP | S_IWOTH)) != 0) {
    bool others = (script.mode & S_IWOTH) != 0;
    Judge(policy, !others, script,
          Make(CheckId::kWritable, kForbidden,
               p + " is writable by " + (others ? "others" : "its group (gid " + std::to_string(script.gid) + ")") +
                   " (mode " + Octal(script.mode) + "): " + (others ? "any user" : "anyone in that group") +
                   " can change what runs as the server's user",
               std::string(others ? "chmod go-w " : "chmod g-w ") + std::string(path) +
                   (others ? " (or CppCgiPermissionCheck Off for this directory)" : "")),
          &out, warnings);
  }
  if ((dir.mode & (S_IWGRP | S_IWOTH)) != 0) {  // sticky or not: others could add scripts
    bool others = (dir.mode & S_IWOTH) != 0;
    Judge(policy, !others, dir,
          Make(CheckId::kDirWritable, kForbidden,
               "the directory of " + p + " is writable by " +
                   (others ? "others" : "its group (gid " + std::to_string(dir.gid) + ")") + " (mode " +
                   Octal(dir.mode) + "), so " + (others ? "any user" : "anyone in that group") +
                   " can replace the script",
               std::string(others ? "chmod go-w" : "chmod g-w") + " on the script's directory" +
                   (others ? " (or CppCgiPermissionCheck Off for this directory)" : "")),
          &out, warnings);
  }
  if (policy.permissions != PermissionMode::kOff && policy.required_owner && script.uid != *policy.required_owner) {
    out.push_back(Make(CheckId::kOwner, kForbidden,
                       p + " is owned by uid " + std::to_string(script.uid) + ", not by the required uid " +
                           std::to_string(*policy.required_owner),
                       "chown the script to the user named by CppCgiScriptOwner"));
  }
  if (needs_exec_bit && !CanExecute(script, who)) {
    out.push_back(Make(CheckId::kNotExecutable, kBroken,
                       p + " is not executable by uid " + std::to_string(who.uid) + " (mode " + Octal(script.mode) + ")",
                       "chmod 755 " + std::string(path)));
  }
  return out;
}

std::optional<Refusal> CheckScriptFile(std::string_view path, const FileFacts& script, const FileFacts& dir,
                                       const Identity& who, const CheckPolicy& policy, bool needs_exec_bit,
                                       std::vector<Warning>* warnings) {
  auto all = CheckScriptFileAll(path, script, dir, who, policy, needs_exec_bit, warnings);
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

std::optional<Refusal> CheckShebang(std::string_view path, const Shebang& shebang) {
  std::string p = Quoted(path);
  std::string file(path);
  switch (shebang.kind) {
    case FileKind::kElf:
    case FileKind::kShebang:
      return std::nullopt;
    case FileKind::kNoShebang:
      return Make(CheckId::kNoShebang, kBroken, p + " has no #! line and is not a binary",
                  "make its first line name the interpreter, e.g. #!/usr/bin/python3 or #!/bin/sh");
    case FileKind::kCrlf:
      return Make(CheckId::kCrlf, kBroken,
                  p + " was saved with Windows line endings: its #! line contains a carriage return (\\r), so the "
                      "interpreter's name includes it",
                  "convert the file to Unix line endings: dos2unix " + file + "  (or: sed -i 's/\\r$//' " + file + ")");
    case FileKind::kBom:
      return Make(CheckId::kBom, kBroken,
                  p + " starts with a UTF-8 byte-order mark before #!, which hides the #! line",
                  "save it as UTF-8 without BOM (or: sed -i '1s/^\\xEF\\xBB\\xBF//' " + file + ")");
    case FileKind::kTooLong:
      return Make(CheckId::kTooLong, kBroken,
                  p + " has a #! line longer than " + std::to_string(kShebangBufferSize - 1) +
                      " bytes; the kernel reads no more",
                  "shorten the #! line (e.g. use #!/usr/bin/env NAME)");
    case FileKind::kNoInterpreter:
      return Make(CheckId::kNoInterpreter, kBroken, p + " has a #! line that names no interpreter",
                  "write the interpreter's absolute path after #!, e.g. #!/usr/bin/python3");
    case FileKind::kRelativeInterpreter:
      return Make(CheckId::kRelativeInterpreter, kBroken,
                  p + " names the interpreter " + Quoted(shebang.interpreter) + ", which is not an absolute path",
                  "use an absolute path, e.g. #!/usr/bin/" + shebang.interpreter + " or #!/usr/bin/env " +
                      shebang.interpreter);
  }
  return std::nullopt;
}

std::optional<Refusal> CheckInterpreter(std::string_view script_path, std::string_view interpreter,
                                        const FileFacts* facts, int open_errno, const Identity& who,
                                        const CheckPolicy& policy, std::vector<Warning>* warnings) {
  std::string p = Quoted(script_path);
  std::string i = Quoted(interpreter);
  if (!policy.allowed_interpreters.empty() &&
      std::find(policy.allowed_interpreters.begin(), policy.allowed_interpreters.end(), interpreter) ==
          policy.allowed_interpreters.end()) {
    return Make(CheckId::kInterpreterNotAllowed, kForbidden,
                "the interpreter " + i + " of " + p + " is not in this directory's CppCgiAllowInterpreter list",
                "use an allowed interpreter, or add " + std::string(interpreter) + " to CppCgiAllowInterpreter");
  }
  if (facts == nullptr) {
    std::string why = open_errno == ENOENT ? "does not exist" : std::string("cannot be opened: ") + std::strerror(open_errno);
    return Make(CheckId::kInterpreterMissing, kBroken, "the interpreter " + i + " named by " + p + " " + why,
                "install it, or correct the #! line of the script");
  }
  if (!S_ISREG(facts->mode)) {
    return Make(CheckId::kInterpreterNotFile, kBroken,
                "the interpreter " + i + " named by " + p + " is " +
                    (S_ISDIR(facts->mode) ? "a directory" : "not a regular file"),
                "correct the #! line of the script");
  }
  if (!CanExecute(*facts, who)) {
    return Make(CheckId::kInterpreterNotExecutable, kBroken,
                "the interpreter " + i + " named by " + p + " is not executable by uid " + std::to_string(who.uid),
                "chmod 755 " + std::string(interpreter) + ", or correct the #! line");
  }
  if ((facts->mode & S_IWOTH) != 0) {
    std::vector<Refusal> refused;
    Judge(policy, false, *facts,
          Make(CheckId::kInterpreterWritable, kForbidden,
               "the interpreter " + i + " named by " + p + " is writable by others (mode " + Octal(facts->mode) + ")",
               "chmod o-w " + std::string(interpreter)),
          &refused, warnings);
    if (!refused.empty()) return std::move(refused.front());
  }
  return std::nullopt;
}

std::optional<Refusal> CheckInterpreterKind(std::string_view script_path, std::string_view interpreter,
                                            std::string_view head) {
  if (!head.starts_with("#!")) return std::nullopt;
  return Make(CheckId::kInterpreterIsScript, kBroken,
              "the interpreter " + Quoted(interpreter) + " named by " + Quoted(script_path) +
                  " is itself a #! script, and a script cannot be the interpreter of another here",
              "name the program it runs (see its first line) in the #! line of " + std::string(script_path));
}

}  // namespace cppcgi
