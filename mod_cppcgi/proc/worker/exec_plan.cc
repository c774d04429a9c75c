// SPDX-License-Identifier: Apache-2.0
#include "proc/worker/exec_plan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "proc/worker/file_probe.h"

namespace cppcgi {
namespace {

// Opens `fd`'s file facts into `out`; false (with the errno) if fstat fails.
bool Describe(int fd, OpenedFile* out) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    out->error = errno;
    return false;
  }
  out->opened = true;
  out->facts = FactsFromStat(st);
  return true;
}

// The first `max` bytes of the file open at `fd`, into `out`.
void ReadHead(int fd, size_t max, OpenedFile* out) {
  char buf[kShebangBufferSize];
  ssize_t n = ::pread(fd, buf, std::min(max, sizeof buf), 0);
  if (n < 0) {
    out->read_error = errno;
    return;
  }
  out->head.assign(buf, static_cast<size_t>(n));
}

// Each directory on the way to `path`, for the one that blocks the way.
std::vector<std::pair<std::string, FileFacts>> DirectoriesOnTheWay(const std::string& path) {
  std::vector<std::pair<std::string, FileFacts>> out;
  size_t pos = 0;
  while ((pos = path.find('/', pos + 1)) != std::string::npos) {
    std::string prefix = path.substr(0, pos);
    struct stat st;
    if (::stat(prefix.c_str(), &st) != 0) break;  // missing: reported elsewhere
    out.emplace_back(prefix, FactsFromStat(st));
  }
  return out;
}

// The script, as a normal run opens it: for reading if it can (a FIFO in its
// place must not block us), else (an execute-only binary) as a path.
UniqueFd OpenScript(const ExecRequest& req, int dir_fd, const std::string& base, OpenedFile* out) {
  int nofollow = req.follow_symlinks ? 0 : O_NOFOLLOW;
  UniqueFd fd(::openat(dir_fd, base.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | nofollow));
  out->readable = fd.valid();
  if (!fd && errno == EACCES) fd.reset(::openat(dir_fd, base.c_str(), O_PATH | O_CLOEXEC | nofollow));
  if (!fd) {
    out->error = errno;
    return fd;
  }
  if (!Describe(fd.get(), out)) return UniqueFd();
  if (out->readable && S_ISREG(out->facts.mode)) ReadHead(fd.get(), kShebangBufferSize, out);
  return fd;
}

// The script, as the suEXEC wrapper will see it: never through a link; read
// (for its #! line) where we may. One open when it is readable; else (not
// readable, or a link, which O_PATH opens as itself) as a path.
UniqueFd OpenScriptForSuexec(int dir_fd, const std::string& base, OpenedFile* out) {
  UniqueFd fd(::openat(dir_fd, base.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  out->readable = fd.valid();
  if (!fd) fd.reset(::openat(dir_fd, base.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    out->error = errno;
    return fd;
  }
  if (!Describe(fd.get(), out)) return UniqueFd();
  if (out->readable && S_ISREG(out->facts.mode)) {
    ReadHead(fd.get(), kShebangBufferSize, out);
    out->read_error = 0;  // the wrapper is left to find what we could not read
  }
  return fd;
}

UniqueFd OpenInterpreter(const std::string& interpreter, OpenedFile* out) {
  UniqueFd fd(::open(interpreter.c_str(), O_PATH | O_CLOEXEC));
  if (!fd) {
    out->error = errno;
    return fd;
  }
  if (!Describe(fd.get(), out)) return UniqueFd();
  // Re-open the very file that will be exec'd, for reading (an execute-only binary is not).
  std::string reopen = "/proc/self/fd/" + std::to_string(fd.get());
  if (UniqueFd readable{::open(reopen.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)}) {
    out->readable = true;
    ReadHead(readable.get(), 2, out);
  }
  return fd;
}

}  // namespace

GatheredScript GatherScriptFacts(const ExecRequest& req) {
  GatheredScript g;
  ScriptFacts& f = g.facts;
  const std::string& path = req.path;
  size_t slash = path.rfind('/');
  f.absolute = !path.empty() && path[0] == '/' && slash != std::string::npos && slash + 1 != path.size();
  if (!f.absolute) return g;
  std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  std::string base = path.substr(slash + 1);

  g.dir_fd.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  const UniqueFd& dir_fd = g.dir_fd;
  if (!dir_fd) {
    f.dir.error = errno;
    if (f.dir.error == EACCES) f.on_the_way = DirectoriesOnTheWay(path);
    return g;
  }
  if (!Describe(dir_fd.get(), &f.dir)) return g;
  if (req.suexec_limits) {
    // Where the directory really is, as the wrapper's getcwd() will say.
    char buf[4096];
    std::string link = "/proc/self/fd/" + std::to_string(dir_fd.get());
    ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
    if (n > 0 && static_cast<size_t>(n) < sizeof buf) f.real_dir.assign(buf, static_cast<size_t>(n));
  }

  g.script_fd = req.suexec ? OpenScriptForSuexec(dir_fd.get(), base, &f.script)
                           : OpenScript(req, dir_fd.get(), base, &f.script);
  if (!g.script_fd) {
    // Its directory could be opened as a path, yet not searched.
    if (f.script.error == EACCES) f.on_the_way = DirectoriesOnTheWay(path);
    return g;
  }
  AddMountFacts(g.script_fd.get(), path, &f.script.facts);
  if (f.script.readable && f.script.read_error == 0) f.shebang = ParseShebang(f.script.head);

  if (req.interpreter) {
    f.interpreter = *req.interpreter;
  } else if (f.shebang.kind == FileKind::kShebang) {
    f.interpreter = f.shebang.interpreter;
  }
  if (!f.interpreter.empty()) g.interpreter_fd = OpenInterpreter(f.interpreter, &f.interpreter_file);
  if (req.suexec && !req.suexec_by_helpers) {
    g.wrapper_fd.reset(::open(req.suexec_wrapper.c_str(), O_PATH | O_CLOEXEC));
    if (g.wrapper_fd) {
      f.wrapper.opened = true;
    } else {
      f.wrapper.error = errno;
    }
  }
  return g;
}

ExecDecision PrepareExec(const ExecRequest& req) {
  GatheredScript g = GatherScriptFacts(req);
  auto decision = DecideExec(req, g.facts);
  if (auto* refusal = std::get_if<Refusal>(&decision)) return std::move(*refusal);
  ExecChoice& choice = std::get<ExecChoice>(decision);
  if (choice.exec == ExecChoice::Exec::kByName) {
    std::string name = choice.argv.front();
    return ExecPlan{std::move(g.dir_fd), std::move(name), std::move(choice.argv), std::move(choice.warnings)};
  }
  UniqueFd* fd = choice.exec == ExecChoice::Exec::kScript        ? &g.script_fd
                 : choice.exec == ExecChoice::Exec::kInterpreter ? &g.interpreter_fd
                                                                 : &g.wrapper_fd;
  return ExecPlan{std::move(*fd), {}, std::move(choice.argv), std::move(choice.warnings)};
}

Identity CurrentIdentity() {
  Identity who{static_cast<uint32_t>(geteuid()), static_cast<uint32_t>(getegid()), {}};
  int n = getgroups(0, nullptr);
  if (n > 0) {
    std::vector<gid_t> groups(static_cast<size_t>(n));
    n = getgroups(n, groups.data());
    for (int i = 0; i < n; ++i) who.groups.push_back(static_cast<uint32_t>(groups[static_cast<size_t>(i)]));
  }
  return who;
}

std::optional<std::string> InterpreterForPath(const std::map<std::string, std::string>& by_extension,
                                              const std::string& path) {
  size_t slash = path.rfind('/');
  size_t dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return std::nullopt;
  auto it = by_extension.find(path.substr(dot));
  if (it == by_extension.end()) return std::nullopt;
  return it->second;
}

}  // namespace cppcgi
