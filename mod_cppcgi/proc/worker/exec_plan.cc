#include "proc/worker/exec_plan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "proc/worker/file_probe.h"

namespace cppcgi {
namespace {

Refusal OpenFailed(const std::string& what, int err, int status) {
  return Refusal{CheckId::kOpenFailed, status, "cannot open " + what + ": " + std::strerror(err),
                 "check that the file exists and that every directory above it is searchable by the server's user"};
}

// Opens the interpreter (O_PATH) and runs CheckInterpreter on what was
// opened: the descriptor, or why it may not be used.
std::variant<UniqueFd, Refusal> OpenCheckedInterpreter(const std::string& script, const std::string& interpreter,
                                                       const Identity& who, const CheckPolicy& policy,
                                                       std::vector<Warning>* warnings = nullptr) {
  UniqueFd fd(::open(interpreter.c_str(), O_PATH | O_CLOEXEC));
  int open_errno = fd ? 0 : errno;
  struct stat st;
  bool have_facts = fd && ::fstat(fd.get(), &st) == 0;
  FileFacts facts = have_facts ? FactsFromStat(st) : FileFacts{};
  if (auto refusal =
          CheckInterpreter(script, interpreter, have_facts ? &facts : nullptr, open_errno, who, policy, warnings))
    return *refusal;
  return fd;
}

// Through suEXEC the wrapper executes the script by name, as the target
// user: our checks are the wrapper's (whatever CppCgiPermissionCheck says),
// done with the target's identity, plus the #! checks where we can read the
// script; what we execute is the wrapper.
ExecDecision PrepareSuexec(const ExecRequest& req, int dir_fd, const struct stat& dir_st, const std::string& base) {
  const std::string& path = req.path;
  const SuexecTarget& target = *req.suexec;
  if (req.interpreter) {
    return Refusal{CheckId::kSuexecByExtension, 500,
                   "'" + path + "' runs through suEXEC, which executes the script itself, so the CppCgiInterpreter "
                   "for its extension (" + *req.interpreter + ") cannot apply",
                   "give the script a #! line and the execute bit, and drop CppCgiInterpreter where suEXEC applies"};
  }
  // The wrapper refuses a symbolic link (lstat) whatever FollowSymLinks says.
  UniqueFd fd(::openat(dir_fd, base.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return OpenFailed("'" + path + "'", errno, errno == EACCES ? 403 : 500);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return OpenFailed("'" + path + "'", errno, 500);
  if (S_ISLNK(st.st_mode)) {
    return Refusal{CheckId::kSymlink, 403, "'" + path + "' is a symbolic link, and suEXEC never runs one",
                   "replace the link by the file"};
  }
  FileFacts script = FactsFromStat(st);
  AddMountFacts(fd.get(), path, &script);
  FileFacts dir = FactsFromStat(dir_st);
  Identity as_target{target.uid, target.gid, {}};
  CheckPolicy policy = req.policy;
  policy.permissions = PermissionMode::kStrict;  // the wrapper refuses what its group can write
  if (auto refusal = CheckScriptFile(path, script, dir, as_target, policy, /*needs_exec_bit=*/false)) return *refusal;
  if (auto refusal = CheckSuexecOwnership(path, script, dir, target)) return *refusal;
  // Owned by the target now: this is the owner's execute bit, as the wrapper wants.
  if (auto refusal = CheckScriptFile(path, script, dir, as_target, policy, /*needs_exec_bit=*/true)) return *refusal;

  // A script only its owner may read is left to the wrapper and the kernel.
  if (UniqueFd readable{::openat(dir_fd, base.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)}) {
    char head[kShebangBufferSize];
    ssize_t n = ::pread(readable.get(), head, sizeof head, 0);
    Shebang shebang = ParseShebang(std::string_view(head, n > 0 ? static_cast<size_t>(n) : 0));
    if (auto refusal = CheckShebang(path, shebang)) return *refusal;
    if (shebang.kind == FileKind::kShebang) {
      auto interp = OpenCheckedInterpreter(path, shebang.interpreter, as_target, policy);
      if (auto* refusal = std::get_if<Refusal>(&interp)) return std::move(*refusal);
    }
  }
  UniqueFd wrapper(::open(req.suexec_wrapper.c_str(), O_PATH | O_CLOEXEC));
  if (!wrapper) {
    int err = errno;
    return Refusal{CheckId::kSuexecWrapperMissing, 500,
                   "'" + path + "' should run through suEXEC, but its wrapper '" + req.suexec_wrapper +
                       "' cannot be opened: " + std::strerror(err),
                   "reinstall the wrapper (Debian: apt-get install apache2-suexec-pristine) and restart Apache"};
  }
  return ExecPlan{std::move(wrapper), SuexecArgv(req.suexec_wrapper, target, base), {}};
}

}  // namespace

std::optional<Refusal> FindUnsearchableDirectory(const std::string& path, const Identity& who) {
  std::string prefix;
  size_t pos = 0;
  while ((pos = path.find('/', pos + 1)) != std::string::npos) {
    prefix = path.substr(0, pos);
    struct stat st;
    if (::stat(prefix.c_str(), &st) != 0) break;  // missing: reported elsewhere
    if (S_ISDIR(st.st_mode) && !CanExecute(FactsFromStat(st), who)) {
      return Refusal{CheckId::kOpenFailed, 403,
                     "the directory '" + prefix + "' on the way to '" + path + "' is not searchable by uid " +
                         std::to_string(who.uid) + " (mode " + std::to_string((st.st_mode >> 6) & 7) +
                         std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) + ")",
                     "chmod o+x " + prefix + " (or give the server's group access to it)"};
    }
  }
  return std::nullopt;
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

ExecDecision PrepareExec(const ExecRequest& req) {
  const std::string& path = req.path;
  size_t slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash == std::string::npos || slash + 1 == path.size())
    return Refusal{CheckId::kOpenFailed, 500, "'" + path + "' is not an absolute file path", "check the configuration"};
  std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  std::string base = path.substr(slash + 1);

  UniqueFd dir_fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) {
    int err = errno;
    if (err == EACCES) {
      if (auto blocked = FindUnsearchableDirectory(path, req.who)) return *blocked;
    }
    return OpenFailed("the directory of '" + path + "'", err, err == EACCES ? 403 : 500);
  }
  struct stat dir_st;
  if (::fstat(dir_fd.get(), &dir_st) != 0) return OpenFailed("the directory of '" + path + "'", errno, 500);
  if (req.suexec) return PrepareSuexec(req, dir_fd.get(), dir_st, base);

  // O_NONBLOCK: a FIFO planted in place of the script must not block us.
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (req.follow_symlinks ? 0 : O_NOFOLLOW);
  UniqueFd fd(::openat(dir_fd.get(), base.c_str(), flags));
  bool readable = fd.valid();
  if (!fd && errno == ELOOP && !req.follow_symlinks) {
    return Refusal{CheckId::kSymlink, 403, "'" + path + "' is a symbolic link and symbolic links are not followed here",
                   "replace the link by the file, or enable Options FollowSymLinks for this directory"};
  }
  if (!fd && errno == EACCES) {
    // Execute-only binaries can run without being readable.
    fd.reset(::openat(dir_fd.get(), base.c_str(), O_PATH | O_CLOEXEC | (req.follow_symlinks ? 0 : O_NOFOLLOW)));
  }
  if (!fd) return OpenFailed("'" + path + "'", errno, errno == EACCES ? 403 : 500);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return OpenFailed("'" + path + "'", errno, 500);
  FileFacts script = FactsFromStat(st);
  AddMountFacts(fd.get(), path, &script);

  bool by_extension = req.interpreter.has_value();
  std::vector<Warning> warnings;
  if (auto refusal =
          CheckScriptFile(path, script, FactsFromStat(dir_st), req.who, req.policy, !by_extension, &warnings))
    return *refusal;

  std::string interpreter;
  std::string argument;
  bool has_argument = false;
  if (by_extension) {
    interpreter = *req.interpreter;
  } else if (readable) {
    char head[kShebangBufferSize];
    ssize_t n = ::pread(fd.get(), head, sizeof head, 0);
    if (n < 0) return OpenFailed("'" + path + "' for reading", errno, 500);
    Shebang shebang = ParseShebang(std::string_view(head, static_cast<size_t>(n)));
    if (auto refusal = CheckShebang(path, shebang)) return *refusal;
    if (shebang.kind == FileKind::kElf) return ExecPlan{std::move(fd), {path}, std::move(warnings)};
    interpreter = shebang.interpreter;
    argument = shebang.argument;
    has_argument = shebang.has_argument;
  } else {
    // Not readable by us: only a binary can run like that; the kernel will tell.
    return ExecPlan{std::move(fd), {path}, std::move(warnings)};
  }

  if (!CanRead(script, req.who)) {
    return Refusal{CheckId::kNotReadable, 500,
                   "'" + path + "' is not readable by uid " + std::to_string(req.who.uid) + ", so " + interpreter +
                       " cannot read it",
                   "chmod a+r " + path};
  }
  auto interp = OpenCheckedInterpreter(path, interpreter, req.who, req.policy, &warnings);
  if (auto* refusal = std::get_if<Refusal>(&interp)) return std::move(*refusal);
  UniqueFd interp_fd = std::move(std::get<UniqueFd>(interp));
  // Re-open the very file that will be exec'd, for reading (an execute-only binary is skipped).
  std::string reopen = "/proc/self/fd/" + std::to_string(interp_fd.get());
  if (UniqueFd readable_interp{::open(reopen.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)}) {
    char magic[2];
    ssize_t n = ::pread(readable_interp.get(), magic, sizeof magic, 0);
    if (auto refusal = CheckInterpreterKind(path, interpreter, std::string_view(magic, n > 0 ? static_cast<size_t>(n) : 0)))
      return *refusal;
  }
  ExecPlan plan{std::move(interp_fd), {interpreter}, std::move(warnings)};
  if (has_argument) plan.argv.push_back(argument);
  plan.argv.push_back(path);
  return plan;
}

}  // namespace cppcgi
