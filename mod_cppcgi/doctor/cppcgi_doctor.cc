// SPDX-License-Identifier: Apache-2.0
// cppcgi-doctor: says whether a CGI script would run under mod_cppcgi and,
// if not, every problem found and how to fix it; over a directory, the same
// for every script below it (before a swap from mod_cgi, say). Built from
// the same core checks as the module. Run as root, it switches to the user
// scripts run as (default www-data) so that opening files behaves exactly as
// in the server.
//
//   cppcgi-doctor [--user NAME] [--permission-check On|Strict|Warn|Off] [--allow-interpreter PATH]...
//                 [--interpreter .EXT=PATH]... [--owner NAME] [--follow-symlinks]
//                 [--suexec [~]USER:GROUP] SCRIPT|DIRECTORY
//   cppcgi-doctor --config HTTPD.CONF [--httpd BINARY] [--user NAME] SCRIPT|DIRECTORY
//
// With --config, httpd itself is asked (a configuration test with
// CPPCGI_DOCTOR_SCRIPT set; see core/doctor_report.h) which per-directory
// settings apply to each script, and those are used for the checks instead of
// the options above; the user is the configuration's User unless --user is
// given. With --suexec, the script is checked as it would run through the
// suEXEC wrapper for that identity (SuexecUserGroup USER GROUP, or ~USER for a
// UserDir). A directory's scripts are the files below it with an execute bit
// and those an --interpreter extension names; only those with a problem or a
// warning are reported, then a summary.
//
// Exit status: 0 if every script would run, 1 if one would not, 2 for a usage error.

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
#include "core/version.h"
#include "doctor/script_report.h"
#include "proc/suexec_wrapper.h"
#include "proc/worker/exec_plan.h"

namespace cppcgi {
namespace {

constexpr const char* kUsage =
    "usage: cppcgi-doctor [--user NAME] [--permission-check On|Strict|Warn|Off] "
    "[--allow-interpreter PATH]... [--interpreter .EXT=PATH]... [--owner NAME] [--follow-symlinks] "
    "[--suexec [~]USER:GROUP] SCRIPT|DIRECTORY\n"
    "       cppcgi-doctor --config HTTPD.CONF [--httpd BINARY] [--user NAME] SCRIPT|DIRECTORY\n"
    "       cppcgi-doctor --help | --version\n";

int Usage(const char* why) {
  std::fprintf(stderr, "cppcgi-doctor: %s\n%s", why, kUsage);
  return 2;
}

int Help() {
  std::printf(
      "cppcgi-doctor says whether a CGI script would run under mod_cppcgi and, if not, every problem and its fix.\n"
      "%s"
      "Exit status: 0 when the script (every script of a directory) would run, 1 when one would not, 2 for a "
      "usage error.\n",
      kUsage);
  return 0;
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

// A file of a tree that could run as a CGI script: one with an execute bit
// (what mod_cgi could run), or one an --interpreter extension names.
bool IsCandidate(const struct stat& st, const std::string& path, const std::map<std::string, std::string>& by_ext) {
  return S_ISREG(st.st_mode) && ((st.st_mode & 0111) != 0 || InterpreterForPath(by_ext, path).has_value());
}

// Every candidate below `dir`, sorted, symbolic links not followed (at most kMaxFiles).
constexpr size_t kMaxFiles = 100000;
void Walk(const std::string& dir, const std::map<std::string, std::string>& by_ext, std::vector<std::string>* out) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (out->size() >= kMaxFiles) return;
    std::string path = dir + (dir == "/" ? "" : "/") + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      Walk(path, by_ext, out);
    } else if (IsCandidate(st, path, by_ext)) {
      out->push_back(path);
    }
  }
}

// What is done for one script while still root: httpd's settings for it
// (--config) and a look at its first line.
struct Prepared {
  std::string path;
  bool root_sees_shebang = false;
  std::optional<DoctorReport> report;
};

int Run(int argc, char** argv) {
  std::string user = "www-data";
  bool user_given = false;
  std::string config, httpd = getenv("CPPCGI_HTTPD") ? getenv("CPPCGI_HTTPD") : CPPCGI_DEFAULT_HTTPD;
  ExecRequest req;
  std::map<std::string, std::string> by_extension;
  std::string owner, target;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") return Help();
    if (a == "--version") {
      std::printf("cppcgi-doctor (mod_cppcgi) %s\n", kVersion);
      return 0;
    }
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
      req.policy.permissions = PermissionMode::kOff;
    } else if (a == "--permission-check") {
      const char* v = next("--permission-check needs On, Strict, Warn or Off");
      if (!v) return 2;
      auto mode = ParsePermissionMode("--permission-check", v);
      if (!mode.ok()) return Usage(mode.status().message().c_str());
      req.policy.permissions = *mode;
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
      auto suexec = ParseSuexecTarget(v);
      if (!suexec) return Usage(("--suexec: '" + std::string(v) + "' is not [~]USER:GROUP of known names").c_str());
      req.suexec = *suexec;
      req.suexec_wrapper = kSuexecWrapper;
      // The wrapper tells root (and its AP_HTTPD_USER) its document root and lowest ids.
      if (auto said = AskSuexecSettings(kSuexecWrapper, 2000); said.ok()) {
        if (auto settings = ParseSuexecSettings(*said)) req.suexec_limits = SuexecLimitsFor(*settings, *suexec);
      }
    } else if (!a.empty() && a[0] == '-') {
      return Usage(("unknown option " + a).c_str());
    } else if (target.empty()) {
      target = a;
    } else {
      return Usage("only one script or directory at a time");
    }
  }
  if (target.empty()) return Usage("no script named");
  if (target[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == nullptr) return Usage("cannot resolve a relative path");
    target = std::string(cwd) + "/" + target;
  }
  while (target.size() > 1 && target.back() == '/') target.pop_back();
  struct stat target_st;
  bool tree = ::stat(target.c_str(), &target_st) == 0 && S_ISDIR(target_st.st_mode);
  std::vector<std::string> scripts;
  if (tree) {
    Walk(target, by_extension, &scripts);
  } else {
    scripts.push_back(target);
  }

  // As root still: httpd's settings for each script, and its first line.
  std::vector<Prepared> prepared;
  for (const std::string& path : scripts) {
    Prepared p{path, false, std::nullopt};
    if (!config.empty()) {
      auto asked = AskHttpd(httpd, config, path);
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
        std::fprintf(stderr, "cppcgi-doctor: %s (asked %s -f %s -t)\n", report.status().message().c_str(),
                     httpd.c_str(), config.c_str());
        return 2;
      }
      p.report = std::move(*report);
    }
    // A #! script the server's user cannot read is exec'd by the kernel, and
    // then its interpreter fails to open it; the module only learns that from stderr.
    if (geteuid() == 0) {
      UniqueFd peek(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
      char head[kShebangBufferSize];
      ssize_t n = peek ? ::pread(peek.get(), head, sizeof head, 0) : -1;
      p.root_sees_shebang =
          n > 0 && ParseShebang(std::string_view(head, static_cast<size_t>(n))).kind == FileKind::kShebang;
    }
    prepared.push_back(std::move(p));
  }
  // The user scripts run as: --user, else the configuration's User.
  if (!user_given && !prepared.empty() && prepared.front().report && !prepared.front().report->user.empty()) {
    const std::string& configured = prepared.front().report->user;
    if (configured[0] != '#') {
      user = configured;
    } else if (passwd* byid = getpwuid(static_cast<uid_t>(std::strtol(configured.c_str() + 1, nullptr, 10)))) {
      user = byid->pw_name;  // "User #33"
    }  // httpd's built-in "#-1" (no User directive): keep the default
  }
  if (!owner.empty() && config.empty()) {
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

  int not_run = 0, warned = 0, fine = 0;
  for (const Prepared& p : prepared) {
    ExecRequest one = req;
    one.path = p.path;
    std::map<std::string, std::string> extensions = by_extension;
    std::string settings;
    if (p.report) {
      settings = "Settings that apply to " + p.path + " in " + config + ":\n";
      for (const std::string& line : DescribeDoctorReport(*p.report)) settings += "  " + line + "\n";
      // The module's own resolution of the settings (core/config.h).
      EffectiveSettings e = Resolve(p.report->settings, ServerSettings{}, std::nullopt);
      one.policy = std::move(e.policy);
      one.follow_symlinks = p.report->follow_symlinks;
      extensions = std::move(e.interpreters);
    }
    one.interpreter = InterpreterForPath(extensions, one.path);
    ScriptVerdict v = CheckScriptAsServer(one, p.root_sees_shebang);
    if (v.problems > 0) {
      ++not_run;
    } else if (v.warnings > 0) {
      ++warned;
    } else {
      ++fine;
    }
    // Over a tree, only the scripts that have something to say.
    if (tree && v.problems == 0 && v.warnings == 0) continue;
    std::printf("%s%s, as user %s (uid %u):\n%s", tree ? "" : settings.c_str(), one.path.c_str(), user.c_str(),
                one.who.uid, v.text.c_str());
  }
  if (tree) {
    std::printf("%zu script%s under %s, as user %s: %d would not run, %d would run with warnings, %d fine\n",
                prepared.size(), prepared.size() == 1 ? "" : "s", target.c_str(), user.c_str(), not_run, warned, fine);
  }
  return not_run > 0 ? 1 : 0;
}

}  // namespace
}  // namespace cppcgi

int main(int argc, char** argv) { return cppcgi::Run(argc, argv); }
