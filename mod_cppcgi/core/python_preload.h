// SPDX-License-Identifier: Apache-2.0
// CppCgiPythonPreload: which scripts a warm Python process may run, what
// makes two of them need the same one, and the messages a helper and that
// process (proc/helper/warm_python.py) exchange. A script qualifies when it
// is run by a system python3 (#! or CppCgiInterpreter) with no flags but a
// few that change nothing the warm process would do differently at start;
// every other script runs the normal way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/wire.h"

namespace cppcgi {

inline constexpr size_t kMaxPreloadModules = 32;
inline constexpr size_t kMaxWarmMessage = 200u << 10;  // within a socket's default send buffer

// CppCgiPythonPreload's module names: dotted Python identifiers.
StatusOr<std::string> ParsePythonModuleName(std::string_view directive, std::string_view name);

// The interpreter and #! argument of `argv` ({interpreter, [argument,] script, ...}),
// when the script is `path` and the interpreter a system python3
// (/usr/bin/python3, /usr/bin/python3.N, or the same in /usr/local/bin)
// whose argument is empty or single-letter flags out of -u -B -s -E -I -S -O.
struct WarmPythonCommand {
  std::string interpreter;
  std::string flags;  // the #! argument, or empty
};
std::optional<WarmPythonCommand> WarmPythonFor(const std::vector<std::string>& argv, std::string_view path);

// The environment entries python3 reads while it starts (PYTHON*, the
// locale's, HOME for the user's site directory, TZ for the time module),
// in their order: two requests share a warm process only if these agree.
std::vector<std::string> StartupEnvironment(const std::vector<std::string>& env);

// What names the warm process a request needs: the interpreter file (device
// and inode), the flags, the start-up environment and the preloaded modules.
std::string WarmProcessKey(uint64_t interpreter_dev, uint64_t interpreter_ino, const std::string& flags,
                           const std::vector<std::string>& startup_env, const std::vector<std::string>& modules);

// The message that asks the warm process to start `request`'s script.
StatusOr<std::string> EncodeWarmRequest(const wire::SpawnRequest& request);

// Its answer: "ok <pid>" or "error <errno> <text>".
struct WarmReply {
  int pid = 0;        // > 0: started
  int sys_errno = 0;  // else why not
  std::string what;
};
StatusOr<WarmReply> ParseWarmReply(std::string_view reply);

}  // namespace cppcgi
