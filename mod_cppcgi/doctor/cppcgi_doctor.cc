// cppcgi-doctor: says whether a CGI script would run under mod_cppcgi and,
// if not, every problem found and how to fix it. Built from the same core
// checks as the module. Run as root, it switches to the user scripts run as
// (default www-data) so that opening files behaves exactly as in the server.
//
//   cppcgi-doctor [--user NAME] [--no-permission-check] [--allow-interpreter PATH]...
//                 [--interpreter .EXT=PATH]... [--owner NAME] [--follow-symlinks] SCRIPT
//
// Exit status: 0 if the script would run, 1 if not, 2 for a usage error.

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "core/script_check.h"
#include "core/shebang.h"
#include "core/unique_fd.h"
#include "proc/exec_plan.h"

namespace cppcgi {
namespace {

int Usage(const char* why) {
  std::fprintf(stderr,
               "cppcgi-doctor: %s\nusage: cppcgi-doctor [--user NAME] [--no-permission-check] "
               "[--allow-interpreter PATH]... [--interpreter .EXT=PATH]... [--owner NAME] [--follow-symlinks] "
               "SCRIPT\n",
               why);
  return 2;
}

FileFacts Facts(const struct stat& st) {
  return FileFacts{static_cast<uint32_t>(st.st_mode), static_cast<uint32_t>(st.st_uid),
                   static_cast<uint32_t>(st.st_gid)};
}

bool BecomeUser(const passwd& pw) {
  if (geteuid() != 0) return true;  // check as whoever we are
  return initgroups(pw.pw_name, pw.pw_gid) == 0 && setgid(pw.pw_gid) == 0 && setuid(pw.pw_uid) == 0;
}

void Report(const Refusal& r, int* problems) {
  ++*problems;
  std::printf("  problem %d [%s, HTTP %d]: %s\n    fix: %s\n", *problems, LogId(r.id).c_str(), r.http_status,
              r.problem.c_str(), r.fix.c_str());
}

int Run(int argc, char** argv) {
  std::string user = "www-data";
  ExecRequest req;
  std::map<std::string, std::string> by_extension;
  std::string owner;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](const char* what) -> const char* { return i + 1 < argc ? argv[++i] : (Usage(what), nullptr); };
    if (a == "--user") {
      const char* v = next("--user needs a name");
      if (!v) return 2;
      user = v;
    } else if (a == "--no-permission-check") {
      req.policy.check_permissions = false;
    } else if (a == "--allow-interpreter") {
      const char* v = next("--allow-interpreter needs a path");
      if (!v) return 2;
      req.policy.allowed_interpreters.emplace_back(v);
    } else if (a == "--interpreter") {
      const char* v = next("--interpreter needs .EXT=PATH");
      if (!v) return 2;
      std::string s(v);
      size_t eq = s.find('=');
      if (eq == std::string::npos || s[0] != '.') return Usage("--interpreter needs .EXT=PATH");
      by_extension[s.substr(0, eq)] = s.substr(eq + 1);
    } else if (a == "--owner") {
      const char* v = next("--owner needs a name");
      if (!v) return 2;
      owner = v;
    } else if (a == "--follow-symlinks") {
      req.follow_symlinks = true;
    } else if (!a.empty() && a[0] == '-') {
      return Usage(("unknown option " + a).c_str());
    } else if (req.path.empty()) {
      req.path = a;
    } else {
      return Usage("only one script at a time");
    }
  }
  if (req.path.empty()) return Usage("no script named");
  if (req.path[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == nullptr) return Usage("cannot resolve a relative path");
    req.path = std::string(cwd) + "/" + req.path;
  }
  if (!owner.empty()) {
    passwd* o = getpwnam(owner.c_str());
    if (o == nullptr) return Usage(("unknown user " + owner).c_str());
    req.policy.required_owner = static_cast<uint32_t>(o->pw_uid);
  }
  passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return Usage(("unknown user " + user).c_str());
  passwd who = *pw;
  if (!BecomeUser(who)) {
    std::fprintf(stderr, "cppcgi-doctor: cannot switch to user %s: %s\n", user.c_str(), std::strerror(errno));
    return 2;
  }
  req.who = CurrentIdentity();
  req.interpreter = InterpreterForPath(by_extension, req.path);
  std::printf("%s, as user %s (uid %u):\n", req.path.c_str(), user.c_str(), req.who.uid);

  // The module stops at the first refusal; here every independent check runs,
  // on files opened as the server's user would open them.
  int problems = 0;
  if (auto blocked = FindUnsearchableDirectory(req.path, req.who)) Report(*blocked, &problems);
  ExecDecision decision = PrepareExec(req);
  const auto* refusal = std::get_if<Refusal>(&decision);
  if (refusal == nullptr && problems == 0) {
    std::printf("  would run: ");
    for (const auto& a : std::get<ExecPlan>(decision).argv) std::printf("%s ", a.c_str());
    std::printf("\n  OK\n");
    return 0;
  }
  struct stat st, dst;
  std::string dir = req.path.substr(0, req.path.rfind('/'));
  UniqueFd fd(::open(req.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | (req.follow_symlinks ? 0 : O_NOFOLLOW)));
  if (fd && ::fstat(fd.get(), &st) == 0 && ::stat(dir.empty() ? "/" : dir.c_str(), &dst) == 0) {
    for (const Refusal& r : CheckScriptFileAll(req.path, Facts(st), Facts(dst), req.who, req.policy, !req.interpreter))
      Report(r, &problems);
    char head[kShebangBufferSize];
    ssize_t n = S_ISREG(st.st_mode) ? ::pread(fd.get(), head, sizeof head, 0) : -1;
    std::string interpreter = req.interpreter.value_or("");
    if (n >= 0 && !req.interpreter) {
      Shebang s = ParseShebang(std::string_view(head, static_cast<size_t>(n)));
      if (auto r = CheckShebang(req.path, s)) Report(*r, &problems);
      if (s.kind == FileKind::kShebang) interpreter = s.interpreter;
    }
    if (!interpreter.empty()) {
      UniqueFd ifd(::open(interpreter.c_str(), O_PATH | O_CLOEXEC));
      int err = ifd ? 0 : errno;
      struct stat ist;
      bool ok = ifd && ::fstat(ifd.get(), &ist) == 0;
      FileFacts f = ok ? Facts(ist) : FileFacts{};
      if (auto r = CheckInterpreter(req.path, interpreter, ok ? &f : nullptr, err, req.who, req.policy))
        Report(*r, &problems);
    }
  } else if (refusal != nullptr && !(problems > 0 && refusal->id == CheckId::kOpenFailed)) {
    Report(*refusal, &problems);  // could not even open it: what the module says
  }
  if (problems == 0 && refusal != nullptr) Report(*refusal, &problems);
  std::printf("  would NOT run: %d problem%s\n", problems, problems == 1 ? "" : "s");
  return 1;
}

}  // namespace
}  // namespace cppcgi

int main(int argc, char** argv) { return cppcgi::Run(argc, argv); }
