// SPDX-License-Identifier: Apache-2.0
// The decision over gathered facts, without a file system: every input is
// a ScriptFacts value, as proc/worker/exec_plan.cc would record it.
#include "core/exec_decision.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

namespace cppcgi {
namespace {

constexpr uint32_t kWww = 33;

OpenedFile Opened(uint32_t mode, std::string head = {}, uint32_t uid = 1000, uint32_t gid = 1000) {
  OpenedFile f;
  f.opened = true;
  f.facts = {mode, uid, gid};
  f.readable = true;
  f.head = std::move(head);
  return f;
}

OpenedFile Failed(int error) {
  OpenedFile f;
  f.error = error;
  return f;
}

ExecRequest Request(std::string path = "/srv/cgi/x.cgi") {
  ExecRequest r;
  r.path = std::move(path);
  r.who = Identity{kWww, kWww, {}};
  return r;
}

// A #! script and its interpreter, all well.
ScriptFacts ShebangScript(std::string line = "#!/usr/bin/python3 -u\n") {
  ScriptFacts f;
  f.absolute = true;
  f.dir = Opened(S_IFDIR | 0755);
  f.script = Opened(S_IFREG | 0755, line);
  f.shebang = ParseShebang(line);
  f.interpreter = f.shebang.interpreter;
  f.interpreter_file = Opened(S_IFREG | 0755, "\x7f" "E", 0, 0);
  return f;
}

CheckId RefusedWith(const std::variant<ExecChoice, Refusal>& d) {
  const auto* r = std::get_if<Refusal>(&d);
  EXPECT_NE(r, nullptr);
  return r ? r->id : CheckId::kOpenFailed;
}

TEST(DecideExec, AShebangScriptRunsByItsInterpreterWithItsOneArgument) {
  auto d = DecideExec(Request(), ShebangScript());
  const auto& c = std::get<ExecChoice>(d);
  EXPECT_EQ(c.exec, ExecChoice::Exec::kInterpreter);
  EXPECT_EQ(c.argv, (std::vector<std::string>{"/usr/bin/python3", "-u", "/srv/cgi/x.cgi"}));
}

TEST(DecideExec, ABinaryRunsItself) {
  ScriptFacts f = ShebangScript();
  f.script.head = "\x7f" "ELF";
  f.shebang = ParseShebang(f.script.head);
  f.interpreter.clear();
  auto d = DecideExec(Request(), f);
  const auto& c = std::get<ExecChoice>(d);
  EXPECT_EQ(c.exec, ExecChoice::Exec::kScript);
  EXPECT_EQ(c.argv, std::vector<std::string>{"/srv/cgi/x.cgi"});
}

TEST(DecideExec, AnUnreadableScriptCanOnlyBeABinary) {
  ScriptFacts f = ShebangScript();
  f.script.readable = false;
  f.script.head.clear();
  f.shebang = {};
  f.interpreter.clear();
  EXPECT_EQ(std::get<ExecChoice>(DecideExec(Request(), f)).exec, ExecChoice::Exec::kScript);
  // By extension, the interpreter must read it.
  ExecRequest by_ext = Request();
  by_ext.interpreter = "/usr/bin/python3";
  f.interpreter = "/usr/bin/python3";
  f.script.facts.mode = S_IFREG | 0700;
  EXPECT_EQ(RefusedWith(DecideExec(by_ext, f)), CheckId::kNotReadable);
}

TEST(DecideExec, TheFirstFailingCheckInOrderIsTheAnswer) {
  ScriptFacts f = ShebangScript("#!/usr/bin/python3\r\n");
  f.script.facts.mode = S_IFREG | 0757;  // writable by others, and a CRLF line: the file check comes first
  EXPECT_EQ(RefusedWith(DecideExec(Request(), f)), CheckId::kWritable);
  f.script.facts.mode = S_IFREG | 0755;
  EXPECT_EQ(RefusedWith(DecideExec(Request(), f)), CheckId::kCrlf);
}

TEST(DecideExec, AMissingInterpreterAndAShebangInterpreterAreNamed) {
  ScriptFacts f = ShebangScript();
  f.interpreter_file = Failed(ENOENT);
  EXPECT_EQ(RefusedWith(DecideExec(Request(), f)), CheckId::kInterpreterMissing);
  f = ShebangScript();
  f.interpreter_file.head = "#!";
  EXPECT_EQ(RefusedWith(DecideExec(Request(), f)), CheckId::kInterpreterIsScript);
}

TEST(DecideExec, ALinkWhereLinksAreNotFollowedIsRefused) {
  ScriptFacts f = ShebangScript();
  f.script = Failed(ELOOP);
  EXPECT_EQ(RefusedWith(DecideExec(Request(), f)), CheckId::kSymlink);
  ExecRequest follow = Request();
  follow.follow_symlinks = true;  // then ELOOP is a loop: it cannot be opened
  EXPECT_EQ(RefusedWith(DecideExec(follow, f)), CheckId::kOpenFailed);
}

TEST(DecideExec, TheDirectoryThatBlocksTheWayIsNamed) {
  ScriptFacts f;
  f.absolute = true;
  f.dir = Failed(EACCES);
  f.on_the_way = {{"/srv", {S_IFDIR | 0755, 0, 0}}, {"/srv/cgi", {S_IFDIR | 0750, 0, 0}}};
  auto d = DecideExec(Request(), f);
  const auto& r = std::get<Refusal>(d);
  EXPECT_EQ(r.http_status, 403);
  EXPECT_NE(r.problem.find("'/srv/cgi'"), std::string::npos) << r.problem;
  EXPECT_NE(r.fix.find("chmod o+x /srv/cgi"), std::string::npos) << r.fix;
}

TEST(DecideExec, ThroughSuexecTheWrapperRunsAfterItsChecks) {
  ExecRequest req = Request("/home/ann/public_html/cgi-bin/x.cgi");
  req.suexec = SuexecTarget{1000, 1000, true};
  req.suexec_wrapper = "/usr/lib/apache2/suexec";
  ScriptFacts f = ShebangScript("#!/bin/sh\n");
  f.wrapper.opened = true;
  auto d = DecideExec(req, f);
  const auto& c = std::get<ExecChoice>(d);
  EXPECT_EQ(c.exec, ExecChoice::Exec::kWrapper);
  EXPECT_EQ(c.argv.front(), "/usr/lib/apache2/suexec");
  EXPECT_EQ(c.argv.back(), "x.cgi");

  f.script.facts.mode = S_IFLNK | 0777;
  EXPECT_EQ(RefusedWith(DecideExec(req, f)), CheckId::kSymlink);
  f = ShebangScript("#!/bin/sh\n");
  f.script.facts.mode = S_IFREG | 0775;  // its group can write: the wrapper refuses it
  f.wrapper.opened = true;
  EXPECT_EQ(RefusedWith(DecideExec(req, f)), CheckId::kWritable);
  f.script.facts.mode = S_IFREG | 0755;
  f.wrapper = Failed(ENOENT);
  EXPECT_EQ(RefusedWith(DecideExec(req, f)), CheckId::kSuexecWrapperMissing);
}

// The wrapper's lowest ids and root, when it told them, are checked before
// the file checks, as the wrapper orders them; a root target keeps its own id.
TEST(DecideExec, ThroughSuexecTheWrappersLimitsComeFirst) {
  ExecRequest req = Request("/var/www/site/cgi-bin/x.cgi");
  req.suexec = SuexecTarget{1000, 1000, false};
  req.suexec_wrapper = "/usr/lib/apache2/suexec";
  req.suexec_limits = SuexecLimits{100, 100, "/var/www"};
  ScriptFacts f = ShebangScript("#!/bin/sh\n");
  f.wrapper.opened = true;
  f.real_dir = "/var/www/site/cgi-bin";
  EXPECT_EQ(std::get<ExecChoice>(DecideExec(req, f)).exec, ExecChoice::Exec::kWrapper);
  f.real_dir = "/var/www2/site/cgi-bin";
  f.script.facts.mode = S_IFREG | 0777;  // also writable by all: the root is said first
  EXPECT_EQ(RefusedWith(DecideExec(req, f)), CheckId::kSuexecOutsideRoot);
  req.suexec = SuexecTarget{99, 1000, false};
  EXPECT_EQ(RefusedWith(DecideExec(req, f)), CheckId::kSuexecLowId);
  f.script.facts.mode = S_IFREG | 0755;
  req.suexec = SuexecTarget{0, 0, false};
  EXPECT_EQ(RefusedWith(DecideExec(req, f)), CheckId::kSuexecRootTarget);
  req.suexec = SuexecTarget{1000, 1000, false};
  req.suexec_limits.reset();  // not told: left to the wrapper
  EXPECT_EQ(std::get<ExecChoice>(DecideExec(req, f)).exec, ExecChoice::Exec::kWrapper);
}

TEST(ListProblems, EveryIndependentProblemOnce) {
  ScriptFacts f = ShebangScript("#!/usr/bin/python3\r\n");
  f.script.facts.mode = S_IFREG | 06757;
  std::vector<Warning> warnings;
  std::vector<Refusal> all = ListProblems(Request(), f, &warnings);
  std::vector<CheckId> ids;
  for (const Refusal& r : all) ids.push_back(r.id);
  EXPECT_NE(std::find(ids.begin(), ids.end(), CheckId::kWritable), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), CheckId::kSetId), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), CheckId::kCrlf), ids.end());
}

}  // namespace
}  // namespace cppcgi
