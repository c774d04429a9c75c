#include "proc/exec_plan.h"

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

TEST_F(ExecPlanTest, InterpreterForPathByExtension) {
  std::map<std::string, std::string> m{{".py", "/usr/bin/python3"}};
  EXPECT_EQ(InterpreterForPath(m, "/a/b.py"), "/usr/bin/python3");
  EXPECT_EQ(InterpreterForPath(m, "/a/b.pyc"), std::nullopt);
  EXPECT_EQ(InterpreterForPath(m, "/a.py/b"), std::nullopt);
  EXPECT_EQ(InterpreterForPath(m, "/a/b"), std::nullopt);
}

}  // namespace
}  // namespace cppcgi
