// cppcgi-doctor: says whether a CGI script would run under mod_cppcgi and,
// if not, every problem found and how to fix it. Built from the same core
// checks as the module. Run as root, it switches to the user scripts run as
// (default www-data) so that opening files behaves exactly as in the server.
//
//   cppcgi-doctor [--user NAME] [--no-permission-check] [--allow-interpreter PATH]...
//                 [--interpreter .EXT=PATH]... [--owner NAME] [--follow-symlinks]
//                 [--suexec [~]USER:GROUP] SCRIPT
//   cppcgi-doctor --config HTTPD.CONF [--httpd BINARY] [--user NAME] SCRIPT
//
// With --config, httpd itself is asked (a configuration test with
// CPPCGI_DOCTOR_SCRIPT set; see core/doctor_report.h) which per-directory
// settings apply to SCRIPT, and those are used for the checks instead of the
// options above; the user is the configuration's User unless --user is given.
// With --suexec, the script is checked as it would run through the suEXEC
// wrapper for that identity (SuexecUserGroup USER GROUP, or ~USER for a UserDir).
//
// Exit status: 0 if the script would run, 1 if not, 2 for a usage error.

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/doctor_report.h"
#include "core/script_check.h"
#include "core/shebang.h"
#include "core/unique_fd.h"
#include "proc/exec_plan.h"
#include "proc/file_probe.h"

namespace cppcgi {
namespace {

int Usage(const char* why) {
  std::fprintf(stderr,
               "cppcgi-doctor: %s\nusage: cppcgi-doctor [--user NAME] [--no-permission-check] "
               "[--allow-interpreter PATH]... [--interpreter .EXT=PATH]... [--owner NAME] [--follow-symlinks] "
               "[--suexec [~]USER:GROUP] SCRIPT\n       cppcgi-doctor --config HTTPD.CONF [--httpd BINARY] [--user NAME] SCRIPT\n",
               why);
  return 2;
}

// Debian's suEXEC wrapper (apache2-suexec-pristine).
constexpr const char* kSuexecWrapper = "/usr/lib/apache2/suexec";

// "USER:GROUP" or "~USER:GROUP" (names or #ids) to the identity suEXEC gets.
std::optional<SuexecTarget> ParseSuexecTarget(std::string spec) {
  SuexecTarget t;
  if (!spec.empty() && spec[0] == '~') {
    t.userdir = true;
    spec.erase(0, 1);
  }
  size_t colon = spec.find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string user = spec.substr(0, colon), group = spec.substr(colon + 1);
  if (user.size() > 1 && user[0] == '#') {
    t.uid = static_cast<uint32_t>(std::strtoul(user.c_str() + 1, nullptr, 10));
  } else if (passwd* pw = getpwnam(user.c_str())) {
    t.uid = static_cast<uint32_t>(pw->pw_uid);
  } else {
    return std::nullopt;
  }
  if (group.size() > 1 && group[0] == '#') {
    t.gid = static_cast<uint32_t>(std::strtoul(group.c_str() + 1, nullptr, 10));
  } else if (struct group* gr = getgrnam(group.c_str())) {
    t.gid = static_cast<uint32_t>(gr->gr_gid);
  } else {
    return std::nullopt;
  }
  return t;
}

bool BecomeUser(const passwd& pw) {
  if (geteuid() != 0) return true;  // check as whoever we are
  return initgroups(pw.pw_name, pw.pw_gid) == 0 && setgid(pw.pw_gid) == 0 && setuid(pw.pw_uid) == 0;
}

#ifndef CPPCGI_DEFAULT_HTTPD
#define CPPCGI_DEFAULT_HTTPD "/usr/sbin/apache2"
#endif

// Runs `httpd -f conf -t` with CPPCGI_DOCTOR_SCRIPT=script (sourcing an
// envvars file next to the configuration first, as apache2ctl does on
// Debian) and returns everything it printed and its exit status.
StatusOr<std::pair<std::string, int>> AskHttpd(const std::string& httpd, const std::string& conf,
                                               const std::string& script) {
  std::string dir = conf.substr(0, conf.rfind('/') == std::string::npos ? 0 : conf.rfind('/'));
  std::string envvars = (dir.empty() ? std::string(".") : dir) + "/envvars";
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Status::System("pipe", errno);
  pid_t pid = fork();
  if (pid < 0) return Status::System("fork", errno);
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    setenv(kDoctorScriptEnv, script.c_str(), 1);
    if (access(envvars.c_str(), R_OK) == 0) {
      execl("/bin/sh", "sh", "-c", ". \"$1\" && exec \"$2\" -f \"$3\" -t", "sh", envvars.c_str(), httpd.c_str(),
            conf.c_str(), static_cast<char*>(nullptr));
    } else {
      execl(httpd.c_str(), httpd.c_str(), "-f", conf.c_str(), "-t", static_cast<char*>(nullptr));
    }
    std::fprintf(stderr, "cannot run %s: %s\n", httpd.c_str(), std::strerror(errno));
    _exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || text.size() > (1u << 20)) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return std::make_pair(std::move(text), WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

void Report(const Refusal& r, int* problems) {
  ++*problems;
  std::printf("  problem %d [%s, HTTP %d]: %s\n    fix: %s\n", *problems, LogId(r.id).c_str(), r.http_status,
              r.problem.c_str(), r.fix.c_str());
}

int Run(int argc, char** argv) {
  std::string user = "www-data";
  bool user_given = false;
  std::string config, httpd = getenv("CPPCGI_HTTPD") ? getenv("CPPCGI_HTTPD") : CPPCGI_DEFAULT_HTTPD;
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
      user_given = true;
    } else if (a == "--config") {
      const char* v = next("--config needs a file");
      if (!v) return 2;
      config = v;
    } else if (a == "--httpd") {
      const char* v = next("--httpd needs a path");
      if (!v) return 2;
      httpd = v;
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
    } else if (a == "--suexec") {
      const char* v = next("--suexec needs [~]USER:GROUP");
      if (!v) return 2;
      auto target = ParseSuexecTarget(v);
      if (!target) return Usage(("--suexec: '" + std::string(v) + "' is not [~]USER:GROUP of known names").c_str());
      req.suexec = *target;
      req.suexec_wrapper = kSuexecWrapper;
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
  if (!config.empty()) {
    auto asked = AskHttpd(httpd, config, req.path);
    if (!asked.ok()) {
      std::fprintf(stderr, "cppcgi-doctor: %s\n", asked.status().ToString().c_str());
      return 2;
    }
    auto report = ParseDoctorReport(asked->first);
    if (asked->second != 0) {
      std::fprintf(stderr, "cppcgi-doctor: %s -f %s -t failed with status %d:\n%s", httpd.c_str(), config.c_str(),
                   asked->second, asked->first.c_str());
      return 2;
    }
    if (!report.ok()) {
      std::fprintf(stderr, "cppcgi-doctor: %s (asked %s -f %s -t)\n", report.status().message().c_str(), httpd.c_str(),
                   config.c_str());
      return 2;
    }
    std::printf("Settings that apply to %s in %s:\n", req.path.c_str(), config.c_str());
    for (const std::string& line : DescribeDoctorReport(*report)) std::printf("  %s\n", line.c_str());
    const DirSettings& d = report->settings;
    req.policy.check_permissions = d.check_permissions.value_or(true);
    req.policy.allowed_interpreters = d.allowed_interpreters.value_or(std::vector<std::string>{});
    req.policy.required_owner = d.script_owner;
    req.follow_symlinks = report->follow_symlinks;
    by_extension = d.interpreters;
    if (!user_given && !report->user.empty()) {
      if (report->user[0] != '#') {
        user = report->user;
      } else if (passwd* byid = getpwuid(static_cast<uid_t>(std::strtol(report->user.c_str() + 1, nullptr, 10)))) {
        user = byid->pw_name;  // "User #33"
      }  // httpd's built-in "#-1" (no User directive): keep the default
    }
    owner.clear();
  }
  if (!owner.empty()) {
    passwd* o = getpwnam(owner.c_str());
    if (o == nullptr) return Usage(("unknown user " + owner).c_str());
    req.policy.required_owner = static_cast<uint32_t>(o->pw_uid);
  }
  passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return Usage(("unknown user " + user).c_str());
  passwd who = *pw;
  // Run as root, peek at the first line while we still can: a #! script the
  // server's user cannot read is exec'd by the kernel, and then its
  // interpreter fails to open it; the module only learns that from stderr.
  bool root_sees_shebang = false;
  if (geteuid() == 0) {
    UniqueFd peek(::open(req.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    char head[kShebangBufferSize];
    ssize_t n = peek ? ::pread(peek.get(), head, sizeof head, 0) : -1;
    root_sees_shebang = n > 0 && ParseShebang(std::string_view(head, static_cast<size_t>(n))).kind == FileKind::kShebang;
  }
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
  if (refusal == nullptr && problems == 0 && root_sees_shebang && ::access(req.path.c_str(), R_OK) != 0) {
    Report(Refusal{CheckId::kNotReadable, 500,
                   "'" + req.path + "' is a #! script that uid " + std::to_string(req.who.uid) +
                       " cannot read, so its interpreter cannot read it either",
                   "chmod a+r " + req.path},
           &problems);
    std::printf("  would NOT run: 1 problem\n");
    return 1;
  }
  if (req.suexec && refusal != nullptr) {
    // The wrapper's checks, in its order: the first that fails is the answer.
    Report(*refusal, &problems);
    std::printf("  would NOT run: %d problem%s\n", problems, problems == 1 ? "" : "s");
    return 1;
  }
  if (refusal == nullptr && problems == 0) {
    if (req.suexec) std::printf("  through suEXEC (its own document root and minimum uid are checked when it runs)\n");
    std::printf("  would run: ");
    for (const auto& a : std::get<ExecPlan>(decision).argv) std::printf("%s ", a.c_str());
    std::printf("\n  OK\n");
    return 0;
  }
  struct stat st, dst;
  std::string dir = req.path.substr(0, req.path.rfind('/'));
  UniqueFd fd(::open(req.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | (req.follow_symlinks ? 0 : O_NOFOLLOW)));
  if (fd && ::fstat(fd.get(), &st) == 0 && ::stat(dir.empty() ? "/" : dir.c_str(), &dst) == 0) {
    FileFacts script = FactsFromStat(st);
    AddMountFacts(fd.get(), req.path, &script);
    for (const Refusal& r : CheckScriptFileAll(req.path, script, FactsFromStat(dst), req.who, req.policy, !req.interpreter))
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
      FileFacts f = ok ? FactsFromStat(ist) : FileFacts{};
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
