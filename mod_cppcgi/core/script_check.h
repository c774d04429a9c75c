// SPDX-License-Identifier: Apache-2.0
// The checks a script must pass before it runs, as pure functions over file
// facts (from fstat of descriptors the caller opened) and the script's first
// bytes. suEXEC's file checks (support/suexec.c), done in-module, plus the #!
// checks the kernel does silently. Each refusal carries a stable log id, the
// HTTP status (403: a policy refused it; 500: the script is broken), what is
// wrong, and how to fix it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/shebang.h"

namespace cppcgi {

struct FileFacts {
  uint32_t mode = 0;  // st_mode
  uint32_t uid = 0;
  uint32_t gid = 0;
  // Which file, in which state (st_dev, st_ino, st_ctime): a warning is said
  // once per file, and again once the file is changed.
  uint64_t dev = 0;
  uint64_t ino = 0;
  int64_t ctime_ns = 0;
  bool noexec_mount = false;  // its file system is mounted noexec (scripts only)
  std::string mount_point{};  // where that file system is mounted, if known
};

// Who scripts run as.
struct Identity {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // supplementary groups
};

// CppCgiPermissionCheck. Strict refuses a script or directory that its
// group or others can write, a set-id script and an interpreter others can
// write. On (the default) refuses the same, except what only the file's
// group can write: that runs, with a warning once per file. Warn refuses
// none of it and warns about all of it; Off neither refuses nor warns.
enum class PermissionMode { kOff, kWarn, kOn, kStrict };

// "On", "Off", "Warn", "Strict": as the directive takes it.
const char* PermissionModeName(PermissionMode mode);

struct CheckPolicy {
  PermissionMode permissions = PermissionMode::kOn;  // CppCgiPermissionCheck
  std::optional<uint32_t> required_owner;   // CppCgiScriptOwner
  std::vector<std::string> allowed_interpreters;  // CppCgiAllowInterpreter; empty: any
};

enum class CheckId {
  kNotRegular = 300,
  kWritable = 301,
  kDirWritable = 302,
  kSetId = 303,
  kNotExecutable = 304,
  kOwner = 305,
  kNoShebang = 306,
  kCrlf = 307,
  kBom = 308,
  kTooLong = 309,
  kRelativeInterpreter = 310,
  kInterpreterMissing = 311,
  kInterpreterNotFile = 312,
  kInterpreterNotExecutable = 313,
  kInterpreterWritable = 314,
  kInterpreterNotAllowed = 315,
  kNotReadable = 316,
  kNoInterpreter = 317,
  kSymlink = 318,
  kOpenFailed = 319,
  kInterpreterIsScript = 320,
  kSuexecOwner = 321,           // suEXEC: the script is not the target user's
  kSuexecDirOwner = 322,        // suEXEC: its directory is not the target user's
  kSuexecRootTarget = 323,      // suEXEC: the target is root
  kSuexecByExtension = 324,     // suEXEC: CppCgiInterpreter cannot apply
  kSuexecWrapperMissing = 325,  // suEXEC: the wrapper cannot be opened
  kNoexecMount = 326,           // the script's file system is mounted noexec
  kPermissionRisk = 327,        // a warning: a permission problem that is let run
  kSuexecLowId = 328,           // suEXEC: the target is below the wrapper's lowest uid or gid
  kSuexecOutsideRoot = 329,     // suEXEC: the script is not under the wrapper's root
};

struct Refusal {
  CheckId id;
  int http_status;      // 403 or 500
  std::string problem;  // what is wrong, naming the file
  std::string fix;      // what to do about it
};

// A permission problem that CppCgiPermissionCheck lets run (On: what only a
// group can write; Warn: all of them): said once per file (`once_key`, from
// the file's identity and state and what is wrong).
struct Warning {
  Refusal what;  // id kPermissionRisk; http_status 0
  uint64_t once_key = 0;
};

// "CPPCGI0307" for CheckId::kCrlf.
std::string LogId(CheckId id);

bool CanExecute(const FileFacts& f, const Identity& who);
bool CanRead(const FileFacts& f, const Identity& who);

// File-level checks on the script and its directory. `needs_exec_bit` is
// false when the interpreter comes from the configuration (by extension).
// What the policy lets run with a warning is added to `warnings`, if given.
std::optional<Refusal> CheckScriptFile(std::string_view path, const FileFacts& script, const FileFacts& dir,
                                       const Identity& who, const CheckPolicy& policy, bool needs_exec_bit,
                                       std::vector<Warning>* warnings = nullptr);
// The same checks, every failing one (for cppcgi-doctor), in the same order.
std::vector<Refusal> CheckScriptFileAll(std::string_view path, const FileFacts& script, const FileFacts& dir,
                                        const Identity& who, const CheckPolicy& policy, bool needs_exec_bit,
                                        std::vector<Warning>* warnings = nullptr);

// What the first line says (`shebang` from ParseShebang).
std::optional<Refusal> CheckShebang(std::string_view path, const Shebang& shebang);

// The interpreter named by #! (or the configuration). `facts` is null when it
// could not be opened; `open_errno` then says why.
std::optional<Refusal> CheckInterpreter(std::string_view script_path, std::string_view interpreter,
                                        const FileFacts* facts, int open_errno, const Identity& who,
                                        const CheckPolicy& policy, std::vector<Warning>* warnings = nullptr);

// The interpreter's first bytes (empty if it could not be read): a #! script
// cannot serve as an interpreter here, since it is run from a descriptor
// (execveat), and the kernel refuses a #! file exec'd that way (ENOENT).
std::optional<Refusal> CheckInterpreterKind(std::string_view script_path, std::string_view interpreter,
                                            std::string_view head);

}  // namespace cppcgi
