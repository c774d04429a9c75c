// SPDX-License-Identifier: Apache-2.0
#include "core/script_check.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>

namespace cppcgi {
namespace {

constexpr uint32_t kWww = 33;
const Identity kWwwData{kWww, kWww, {}};

FileFacts File(uint32_t perm, uint32_t uid = 1000, uint32_t gid = 1000) { return {S_IFREG | perm, uid, gid}; }
FileFacts Dir(uint32_t perm, uint32_t uid = 1000, uint32_t gid = 1000) { return {S_IFDIR | perm, uid, gid}; }
FileFacts OnNoexec(FileFacts f) {
  f.noexec_mount = true;
  f.mount_point = "/srv/uploads";
  return f;
}

struct FileCase {
  const char* name;
  FileFacts script;
  FileFacts dir;
  CheckPolicy policy;
  bool needs_exec;
  std::optional<CheckId> expected;
  int status;
};

class ScriptFileCheck : public ::testing::TestWithParam<FileCase> {};

TEST_P(ScriptFileCheck, Verdict) {
  const FileCase& c = GetParam();
  auto r = CheckScriptFile("/srv/cgi/x.cgi", c.script, c.dir, kWwwData, c.policy, c.needs_exec);
  if (!c.expected) {
    EXPECT_FALSE(r.has_value()) << c.name << ": " << (r ? r->problem : "");
    return;
  }
  ASSERT_TRUE(r.has_value()) << c.name;
  EXPECT_EQ(r->id, *c.expected) << c.name;
  EXPECT_EQ(r->http_status, c.status) << c.name;
  EXPECT_NE(r->problem.find("/srv/cgi/x.cgi"), std::string::npos) << c.name;
  EXPECT_FALSE(r->fix.empty()) << c.name;
}

CheckPolicy Default() { return {}; }
CheckPolicy Off() {
  CheckPolicy p;
  p.permissions = PermissionMode::kOff;
  return p;
}
CheckPolicy Mode(PermissionMode mode) {
  CheckPolicy p;
  p.permissions = mode;
  return p;
}
CheckPolicy Strict() { return Mode(PermissionMode::kStrict); }
CheckPolicy Warn() { return Mode(PermissionMode::kWarn); }
CheckPolicy Owner(uint32_t uid) {
  CheckPolicy p;
  p.required_owner = uid;
  return p;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ScriptFileCheck,
    ::testing::Values(
        FileCase{"ok 0755", File(0755), Dir(0755), Default(), true, std::nullopt, 0},
        FileCase{"ok owned by www-data 0700", File(0700, kWww, kWww), Dir(0755), Default(), true, std::nullopt, 0},
        FileCase{"ok group exec", File(0750, 1000, kWww), Dir(0755), Default(), true, std::nullopt, 0},
        FileCase{"fifo", {S_IFIFO | 0755, 1000, 1000}, Dir(0755), Default(), true, CheckId::kNotRegular, 403},
        FileCase{"device even with checks off", {S_IFCHR | 0755, 0, 0}, Dir(0755), Off(), true, CheckId::kNotRegular, 403},
        FileCase{"setuid", File(04755), Dir(0755), Default(), true, CheckId::kSetId, 403},
        FileCase{"setgid", File(02755), Dir(0755), Default(), true, CheckId::kSetId, 403},
        FileCase{"world-writable", File(0757), Dir(0755), Default(), true, CheckId::kWritable, 403},
        FileCase{"group-writable runs under On", File(0775), Dir(0755), Default(), true, std::nullopt, 0},
        FileCase{"group-writable, Strict", File(0775), Dir(0755), Strict(), true, CheckId::kWritable, 403},
        FileCase{"group-writable, Warn", File(0775), Dir(0755), Warn(), true, std::nullopt, 0},
        FileCase{"world-writable, Strict", File(0757), Dir(0755), Strict(), true, CheckId::kWritable, 403},
        FileCase{"world-writable, Warn", File(0757), Dir(0755), Warn(), true, std::nullopt, 0},
        FileCase{"setuid, Warn", File(04755), Dir(0755), Warn(), true, std::nullopt, 0},
        FileCase{"dir group-writable setgid, Strict", File(0755), Dir(02775), Strict(), true, CheckId::kDirWritable,
                 403},
        FileCase{"dir world-writable", File(0755), Dir(0777), Default(), true, CheckId::kDirWritable, 403},
        FileCase{"dir sticky world-writable", File(0755), Dir(01777), Default(), true, CheckId::kDirWritable, 403},
        FileCase{"dir group-writable setgid runs under On", File(0755), Dir(02775), Default(), true, std::nullopt, 0},
        FileCase{"writable but checks off", File(0777), Dir(0777), Off(), true, std::nullopt, 0},
        FileCase{"not executable by others", File(0744), Dir(0755), Default(), true, CheckId::kNotExecutable, 500},
        FileCase{"owner bit does not help others", File(0700), Dir(0755), Default(), true, CheckId::kNotExecutable, 500},
        FileCase{"group without x, others with x", File(0745, 1000, kWww), Dir(0755), Default(), true, CheckId::kNotExecutable, 500},
        FileCase{"not executable, checks off", File(0644), Dir(0755), Off(), true, CheckId::kNotExecutable, 500},
        FileCase{"interpreter by extension needs no x", File(0644), Dir(0755), Default(), false, std::nullopt, 0},
        FileCase{"owner required and matches", File(0755, 1000), Dir(0755), Owner(1000), true, std::nullopt, 0},
        FileCase{"owner required, other owner", File(0755, 1001), Dir(0755), Owner(1000), true, CheckId::kOwner, 403},
        FileCase{"noexec mount", OnNoexec(File(0755)), Dir(0755), Default(), true, CheckId::kNoexecMount, 403},
        FileCase{"noexec mount, checks off", OnNoexec(File(0755)), Dir(0755), Off(), true, CheckId::kNoexecMount, 403},
        FileCase{"noexec mount, by extension", OnNoexec(File(0644)), Dir(0755), Default(), false, CheckId::kNoexecMount,
                 403}),
    [](const ::testing::TestParamInfo<FileCase>& param_info) {
      std::string n = param_info.param.name;
      for (char& ch : n) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

TEST(ScriptCheckTest, NoexecNamesTheMountPointAndTheFix) {
  auto r = CheckScriptFile("/srv/uploads/x.cgi", OnNoexec(File(0755)), Dir(0755), kWwwData, Default(), true);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(LogId(r->id), "CPPCGI0326");
  EXPECT_EQ(r->problem, "'/srv/uploads/x.cgi' is on a file system mounted noexec (at /srv/uploads), where nothing may "
                        "be executed, so it is not run as a script either");
  EXPECT_NE(r->fix.find("mount -o remount,exec /srv/uploads"), std::string::npos);
}

TEST(ScriptCheckTest, RootIdentityNeedsSomeExecBit) {
  Identity root{0, 0, {}};
  EXPECT_TRUE(CanExecute(File(0700, 5, 5), root));
  EXPECT_TRUE(CanExecute(File(0001, 5, 5), root));
  EXPECT_FALSE(CanExecute(File(0644, 5, 5), root));
  EXPECT_TRUE(CanRead(File(0000, 5, 5), root));
}

TEST(ScriptCheckTest, SupplementaryGroupsCount) {
  Identity who{kWww, kWww, {4242}};
  EXPECT_TRUE(CanExecute(File(0750, 1000, 4242), who));
  EXPECT_FALSE(CanExecute(File(0750, 1000, 4243), who));
  EXPECT_TRUE(CanRead(File(0640, 1000, 4242), who));
}

TEST(ScriptCheckTest, ShebangVerdicts) {
  struct C {
    FileKind kind;
    std::optional<CheckId> id;
    const char* must_say;
  };
  for (const C& c : {C{FileKind::kElf, std::nullopt, ""}, C{FileKind::kShebang, std::nullopt, ""},
                     C{FileKind::kNoShebang, CheckId::kNoShebang, "#!/usr/bin/python3"},
                     C{FileKind::kCrlf, CheckId::kCrlf, "dos2unix /s/x.py"},
                     C{FileKind::kBom, CheckId::kBom, "byte-order mark"},
                     C{FileKind::kTooLong, CheckId::kTooLong, "longer than 255 bytes"},
                     C{FileKind::kNoInterpreter, CheckId::kNoInterpreter, "names no interpreter"},
                     C{FileKind::kRelativeInterpreter, CheckId::kRelativeInterpreter, "#!/usr/bin/env python3"}}) {
    Shebang s;
    s.kind = c.kind;
    s.interpreter = "python3";
    auto r = CheckShebang("/s/x.py", s);
    ASSERT_EQ(r.has_value(), c.id.has_value());
    if (!r) continue;
    EXPECT_EQ(r->id, *c.id);
    EXPECT_EQ(r->http_status, 500);
    EXPECT_NE((r->problem + " " + r->fix).find(c.must_say), std::string::npos) << r->problem << " / " << r->fix;
  }
}

TEST(ScriptCheckTest, CrlfMessageSaysWindowsLineEndings) {
  Shebang s;
  s.kind = FileKind::kCrlf;
  auto r = CheckShebang("/s/x.py", s);
  ASSERT_TRUE(r);
  EXPECT_NE(r->problem.find("Windows line endings"), std::string::npos);
}

TEST(ScriptCheckTest, InterpreterVerdicts) {
  FileFacts python = File(0755, 0, 0);
  CheckPolicy allow;
  allow.allowed_interpreters = {"/usr/bin/python3"};
  EXPECT_FALSE(CheckInterpreter("/s/x", "/usr/bin/python3", &python, 0, kWwwData, Default()));
  EXPECT_FALSE(CheckInterpreter("/s/x", "/usr/bin/python3", &python, 0, kWwwData, allow));

  auto id = [&](std::string_view interp, const FileFacts* f, int err, const CheckPolicy& p) {
    auto r = CheckInterpreter("/s/x", interp, f, err, kWwwData, p);
    return r ? std::optional<std::pair<CheckId, int>>({r->id, r->http_status}) : std::nullopt;
  };
  using P = std::pair<CheckId, int>;
  EXPECT_EQ(id("/usr/bin/perl", &python, 0, allow), P(CheckId::kInterpreterNotAllowed, 403));
  EXPECT_EQ(id("/usr/bin/nope", nullptr, ENOENT, Default()), P(CheckId::kInterpreterMissing, 500));
  EXPECT_EQ(id("/usr/bin/nope", nullptr, EACCES, Default()), P(CheckId::kInterpreterMissing, 500));
  FileFacts dir = Dir(0755, 0, 0);
  EXPECT_EQ(id("/usr/bin", &dir, 0, Default()), P(CheckId::kInterpreterNotFile, 500));
  FileFacts noexec = File(0644, 0, 0);
  EXPECT_EQ(id("/usr/bin/x", &noexec, 0, Default()), P(CheckId::kInterpreterNotExecutable, 500));
  FileFacts writable = File(0757, 0, 0);
  EXPECT_EQ(id("/usr/bin/x", &writable, 0, Default()), P(CheckId::kInterpreterWritable, 403));
  EXPECT_FALSE(id("/usr/bin/x", &writable, 0, Off()));
}

TEST(ScriptCheckTest, LogIdsAreStable) {
  EXPECT_EQ(LogId(CheckId::kNotRegular), "CPPCGI0300");
  EXPECT_EQ(LogId(CheckId::kCrlf), "CPPCGI0307");
  EXPECT_EQ(LogId(CheckId::kOpenFailed), "CPPCGI0319");
}

}  // namespace
}  // namespace cppcgi

namespace cppcgi {
namespace {

TEST(ScriptCheckTest, AllReportsEveryFileProblemInOrder) {
  auto all = CheckScriptFileAll("/s/x", File(06777), Dir(0777), kWwwData, Owner(5), true);
  std::vector<CheckId> ids;
  for (const auto& r : all) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<CheckId>{CheckId::kSetId, CheckId::kWritable, CheckId::kDirWritable, CheckId::kOwner}));
  auto first = CheckScriptFile("/s/x", File(06777), Dir(0777), kWwwData, Owner(5), true);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, CheckId::kSetId);
  EXPECT_TRUE(CheckScriptFileAll("/s/x", File(0755), Dir(0755), kWwwData, Default(), true).empty());
}

// What only the file's group can write runs under On, with a warning that
// says the risk and the fix; what others can write is still refused.
TEST(ScriptCheckTest, OnWarnsAboutWhatOnlyTheGroupCanWrite) {
  std::vector<Warning> warnings;
  FileFacts script = File(0775);
  script.dev = 8;
  script.ino = 42;
  EXPECT_FALSE(CheckScriptFile("/s/x", script, Dir(02775), kWwwData, Default(), true, &warnings));
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(LogId(warnings[0].what.id), "CPPCGI0327");
  EXPECT_EQ(warnings[0].what.http_status, 0);
  EXPECT_EQ(warnings[0].what.problem,
            "'/s/x' is writable by its group (gid 1000) (mode 0775): anyone in that group can change what runs as "
            "the server's user; it runs: CppCgiPermissionCheck On lets run what only a file's group can write, "
            "and says so once per file");
  EXPECT_EQ(warnings[0].what.fix, "chmod g-w /s/x (or CppCgiPermissionCheck Strict, to refuse it)");
  EXPECT_NE(warnings[1].what.problem.find("the directory of '/s/x' is writable by its group"), std::string::npos);
  // Once per file and state: the same file and check give the same key, a
  // changed file (ctime) or the other check another one.
  std::vector<Warning> again;
  CheckScriptFile("/s/x", script, Dir(02775), kWwwData, Default(), true, &again);
  EXPECT_EQ(again[0].once_key, warnings[0].once_key);
  EXPECT_NE(warnings[0].once_key, warnings[1].once_key);
  script.ctime_ns = 1;
  std::vector<Warning> changed;
  CheckScriptFile("/s/x", script, Dir(02775), kWwwData, Default(), true, &changed);
  EXPECT_NE(changed[0].once_key, warnings[0].once_key);
  // Others can write it: refused, no warning.
  std::vector<Warning> none;
  auto refused = CheckScriptFile("/s/x", File(0777), Dir(0755), kWwwData, Default(), true, &none);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->id, CheckId::kWritable);
  EXPECT_TRUE(none.empty());
}

TEST(ScriptCheckTest, WarnRunsEverythingAndSaysWhy) {
  std::vector<Warning> warnings;
  EXPECT_FALSE(CheckScriptFile("/s/x", File(06777), Dir(0777), kWwwData, Warn(), true, &warnings));
  ASSERT_EQ(warnings.size(), 3u);  // set-id, writable by others, directory writable by others
  for (const Warning& w : warnings) {
    EXPECT_NE(w.what.problem.find("it runs, because CppCgiPermissionCheck is Warn here"), std::string::npos);
  }
  FileFacts interpreter = File(0777);
  std::vector<Warning> interp;
  EXPECT_FALSE(CheckInterpreter("/s/x", "/usr/bin/py", &interpreter, 0, kWwwData, Warn(), &interp));
  ASSERT_EQ(interp.size(), 1u);
  EXPECT_TRUE(CheckInterpreter("/s/x", "/usr/bin/py", &interpreter, 0, kWwwData, Default()));
  // Strict's refusal of what only the group can write names On as the milder choice.
  auto strict = CheckScriptFile("/s/x", File(0775), Dir(0755), kWwwData, Strict(), true);
  ASSERT_TRUE(strict);
  EXPECT_EQ(strict->fix, "chmod g-w /s/x (or CppCgiPermissionCheck On, which runs it and warns once)");
}

}  // namespace
namespace {

TEST(InterpreterKindTest, AScriptCannotBeAnInterpreter) {
  auto r = CheckInterpreterKind("/srv/x.cgi", "/srv/wrapper", "#!");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->id, CheckId::kInterpreterIsScript);
  EXPECT_EQ(r->http_status, 500);
  EXPECT_NE(r->problem.find("is itself a #! script"), std::string::npos);
  EXPECT_FALSE(CheckInterpreterKind("/srv/x.cgi", "/usr/bin/python3", "\x7f" "ELF").has_value());
  EXPECT_FALSE(CheckInterpreterKind("/srv/x.cgi", "/usr/bin/python3", "").has_value());
  EXPECT_FALSE(CheckInterpreterKind("/srv/x.cgi", "/usr/bin/python3", "#").has_value());
}

}  // namespace
}  // namespace cppcgi
