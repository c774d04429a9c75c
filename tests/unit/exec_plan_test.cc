// SPDX-License-Identifier: Apache-2.0
#include "proc/worker/exec_plan.h"
#include "proc/suexec_wrapper.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace cppcgi {
namespace {

class ExecPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cppcgi-plan-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    chmod(dir_.c_str(), 0755);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string Write(const std::string& name, const std::string& content, mode_t mode) {
    std::string p = dir_ + "/" + name;
    FILE* f = fopen(p.c_str(), "w");
    fwrite(content.data(), 1, content.size(), f);
    fclose(f);
    chmod(p.c_str(), mode);
    return p;
  }

  ExecDecision Prepare(const std::string& path, bool follow = false) {
    ExecRequest req;
    req.path = path;
    req.follow_symlinks = follow;
    req.who = CurrentIdentity();
    return PrepareExec(req);
  }

  std::string dir_;
};

TEST_F(ExecPlanTest, ShebangScriptRunsThroughItsInterpreterWithOneArgument) {
  std::string p = Write("a.cgi", "#!/bin/sh -e -u\necho\n", 0755);
  auto d = Prepare(p);
  ASSERT_TRUE(std::holds_alternative<ExecPlan>(d)) << std::get<Refusal>(d).problem;
  const auto& plan = std::get<ExecPlan>(d);
  EXPECT_EQ(plan.argv, (std::vector<std::string>{"/bin/sh", "-e -u", p}));
  EXPECT_TRUE(plan.exec_fd.valid());
}

TEST_F(ExecPlanTest, ElfRunsThroughItsOwnDescriptor) {
  std::string p = dir_ + "/true.cgi";
  ASSERT_EQ(std::system(("cp /bin/true " + p + " && chmod 755 " + p).c_str()), 0);
  auto d = Prepare(p);
  ASSERT_TRUE(std::holds_alternative<ExecPlan>(d));
  EXPECT_EQ(std::get<ExecPlan>(d).argv, (std::vector<std::string>{p}));
}

TEST_F(ExecPlanTest, SymlinkRefusedUnlessFollowed) {
  std::string target = Write("real.cgi", "#!/bin/sh\n", 0755);
  std::string link = dir_ + "/link.cgi";
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  auto refused = Prepare(link, false);
  ASSERT_TRUE(std::holds_alternative<Refusal>(refused));
  EXPECT_EQ(std::get<Refusal>(refused).id, CheckId::kSymlink);
  EXPECT_EQ(std::get<Refusal>(refused).http_status, 403);
  EXPECT_TRUE(std::holds_alternative<ExecPlan>(Prepare(link, true)));
}

TEST_F(ExecPlanTest, RefusalsCarryTheirCheck) {
  struct C {
    const char* name;
    std::string content;
    mode_t mode;
    CheckId id;
  };
  for (const C& c : {C{"crlf.cgi", "#!/bin/sh\r\n", 0755, CheckId::kCrlf},
                     C{"plain.cgi", "echo\n", 0755, CheckId::kNoShebang},
                     C{"ww.cgi", "#!/bin/sh\n", 0757, CheckId::kWritable},
                     C{"gone.cgi", "#!/no/such/interp\n", 0755, CheckId::kInterpreterMissing}}) {
    auto d = Prepare(Write(c.name, c.content, c.mode));
    ASSERT_TRUE(std::holds_alternative<Refusal>(d)) << c.name;
    EXPECT_EQ(std::get<Refusal>(d).id, c.id) << c.name;
  }
  auto missing = Prepare(dir_ + "/nope.cgi");
  ASSERT_TRUE(std::holds_alternative<Refusal>(missing));
  EXPECT_EQ(std::get<Refusal>(missing).id, CheckId::kOpenFailed);
}

// suEXEC mode: files owned by the target (nobody when we are root, else ourselves).
class SuexecPlanTest : public ExecPlanTest {
 protected:
  void SetUp() override {
    ExecPlanTest::SetUp();
    target_ = geteuid() == 0 ? SuexecTarget{65534, 65534, false}
                             : SuexecTarget{static_cast<uint32_t>(getuid()), static_cast<uint32_t>(getgid()), false};
    ASSERT_EQ(chown(dir_.c_str(), target_.uid, target_.gid), 0);
  }
  std::string Owned(const std::string& name, const std::string& content, mode_t mode) {
    std::string p = Write(name, content, mode);
    EXPECT_EQ(chown(p.c_str(), target_.uid, target_.gid), 0);
    return p;
  }
  ExecDecision Prepare(const std::string& path, std::optional<std::string> interpreter = std::nullopt,
                       std::string wrapper = "/bin/true") {
    ExecRequest req;
    req.path = path;
    req.follow_symlinks = true;  // suEXEC refuses links whatever the options say
    req.who = CurrentIdentity();
    req.interpreter = std::move(interpreter);
    req.suexec = target_;
    req.suexec_wrapper = std::move(wrapper);
    return PrepareExec(req);
  }
  SuexecTarget target_;
};

TEST_F(SuexecPlanTest, WrapperRunsTheScriptByFileName) {
  std::string p = Owned("s.cgi", "#!/bin/sh\necho\n", 0755);
  auto d = Prepare(p);
  ASSERT_TRUE(std::holds_alternative<ExecPlan>(d)) << std::get<Refusal>(d).problem;
  EXPECT_EQ(std::get<ExecPlan>(d).argv, (std::vector<std::string>{"/bin/true", std::to_string(target_.uid),
                                                                   std::to_string(target_.gid), "s.cgi"}));
  EXPECT_TRUE(std::get<ExecPlan>(d).exec_fd.valid());
}

TEST_F(SuexecPlanTest, RefusalsCarryTheirCheck) {
  std::string link = dir_ + "/link.cgi";
  ASSERT_EQ(symlink(Owned("real.cgi", "#!/bin/sh\n", 0755).c_str(), link.c_str()), 0);
  struct C {
    std::string path;
    std::optional<std::string> interpreter;
    std::string wrapper;
    CheckId id;
  };
  std::string ok = Owned("ok.cgi", "#!/bin/sh\n", 0755);
  for (const C& c : {C{link, std::nullopt, "/bin/true", CheckId::kSymlink},
                     C{ok, "/usr/bin/python3", "/bin/true", CheckId::kSuexecByExtension},
                     C{ok, std::nullopt, "/no/such/suexec", CheckId::kSuexecWrapperMissing},
                     C{Owned("crlf.cgi", "#!/bin/sh\r\n", 0755), std::nullopt, "/bin/true", CheckId::kCrlf},
                     C{Owned("gw.cgi", "#!/bin/sh\n", 0775), std::nullopt, "/bin/true", CheckId::kWritable},
                     C{Owned("nox.cgi", "#!/bin/sh\n", 0644), std::nullopt, "/bin/true", CheckId::kNotExecutable}}) {
    auto d = Prepare(c.path, c.interpreter, c.wrapper);
    ASSERT_TRUE(std::holds_alternative<Refusal>(d)) << c.path;
    EXPECT_EQ(std::get<Refusal>(d).id, c.id) << c.path << ": " << std::get<Refusal>(d).problem;
  }
  target_.uid += 1;  // the files now belong to someone else
  auto d = Prepare(ok);
  ASSERT_TRUE(std::holds_alternative<Refusal>(d));
  EXPECT_EQ(std::get<Refusal>(d).id, target_.uid == 0 ? CheckId::kSuexecRootTarget : CheckId::kSuexecOwner);
}

TEST_F(ExecPlanTest, InterpreterForPathByExtension) {
  std::map<std::string, std::string> m{{".py", "/usr/bin/python3"}};
  EXPECT_EQ(InterpreterForPath(m, "/a/b.py"), "/usr/bin/python3");
  EXPECT_EQ(InterpreterForPath(m, "/a/b.pyc"), std::nullopt);
  EXPECT_EQ(InterpreterForPath(m, "/a.py/b"), std::nullopt);
  EXPECT_EQ(InterpreterForPath(m, "/a/b"), std::nullopt);
}


TEST_F(ExecPlanTest, SuexecDocumentRootResolvedOnceServesEveryTarget) {
  std::string real = dir_ + "/real";
  std::string link = dir_ + "/www";
  ASSERT_EQ(mkdir(real.c_str(), 0755), 0);
  ASSERT_EQ(symlink(real.c_str(), link.c_str()), 0);
  SuexecSettings settings;
  settings.doc_root = link;
  ResolveDocRoot(&settings);
  EXPECT_EQ(settings.real_doc_root, real);
  // Once resolved, a target's root is what was resolved, not looked up again:
  // the link now points elsewhere, and the limits still name the first target.
  ASSERT_EQ(unlink(link.c_str()), 0);
  ASSERT_EQ(symlink("/", link.c_str()), 0);
  auto limits = SuexecLimitsFor(settings, SuexecTarget{1000, 1000, false});
  ASSERT_TRUE(limits.has_value());
  EXPECT_EQ(limits->root, real);
  // A document root that cannot be resolved is left empty, and each target
  // then tries again (and fails the same way: nullopt).
  settings.doc_root = dir_ + "/missing";
  ResolveDocRoot(&settings);
  EXPECT_EQ(settings.real_doc_root, "");
  EXPECT_EQ(SuexecLimitsFor(settings, SuexecTarget{1000, 1000, false}), std::nullopt);
}
}  // namespace
}  // namespace cppcgi
