// SPDX-License-Identifier: Apache-2.0
#include "core/python_preload.h"

#include <gtest/gtest.h>

#include "core/config.h"

namespace cppcgi {
namespace {

TEST(PythonPreloadTest, SystemPython3WithHarmlessFlagsQualifies) {
  auto plain = WarmPythonFor({"/usr/bin/python3", "/srv/cgi/a.py", "x"}, "/srv/cgi/a.py");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->interpreter, "/usr/bin/python3");
  EXPECT_EQ(plain->flags, "");
  auto flagged = WarmPythonFor({"/usr/bin/python3.11", "-uB", "/srv/cgi/a.py"}, "/srv/cgi/a.py");
  ASSERT_TRUE(flagged.has_value());
  EXPECT_EQ(flagged->flags, "-uB");
  EXPECT_TRUE(WarmPythonFor({"/usr/local/bin/python3", "/a.py"}, "/a.py").has_value());
}

TEST(PythonPreloadTest, EverythingElseRunsTheNormalWay) {
  const std::string s = "/srv/cgi/a.py";
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"/usr/bin/python2", s},
           {"/usr/bin/python", s},
           {"/usr/bin/env", "python3", s},
           {"/srv/venv/bin/python3", s},
           {"/usr/bin/python3.", s},
           {"/usr/bin/python3.11x", s},
           {"/usr/bin/python3", "-W", s},          // a flag with a value
           {"/usr/bin/python3", "-X dev", s},      // options
           {"/usr/bin/python3", "-m", s},
           {"/usr/bin/python3", "-c", s},
           {"/usr/bin/python3", "-", s},
           {"/usr/bin/perl", s},
           {s},                                    // a binary
           {"/usr/bin/python3", "/srv/cgi/other.py"},  // not this script
       }) {
    EXPECT_FALSE(WarmPythonFor(argv, s).has_value()) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "");
  }
}

TEST(PythonPreloadTest, StartupEnvironmentIsWhatPythonReadsAtStart) {
  std::vector<std::string> env = {"PATH=/bin",      "LANG=de_DE.UTF-8",   "QUERY_STRING=a",
                                  "PYTHONPATH=/x",  "HTTP_HOST=h",        "LC_ALL=C",
                                  "HOME=/var/www",  "TZ=Europe/Berlin",   "PYTHONHASHSEED=0"};
  EXPECT_EQ(StartupEnvironment(env),
            (std::vector<std::string>{"LANG=de_DE.UTF-8", "PYTHONPATH=/x", "LC_ALL=C", "HOME=/var/www",
                                      "TZ=Europe/Berlin", "PYTHONHASHSEED=0"}));
}

TEST(PythonPreloadTest, KeysDifferByEveryPart) {
  std::string base = WarmProcessKey(1, 2, "", {"LANG=C"}, {"json"});
  EXPECT_EQ(base, WarmProcessKey(1, 2, "", {"LANG=C"}, {"json"}));
  EXPECT_NE(base, WarmProcessKey(1, 3, "", {"LANG=C"}, {"json"}));  // the interpreter was replaced
  EXPECT_NE(base, WarmProcessKey(1, 2, "-u", {"LANG=C"}, {"json"}));
  EXPECT_NE(base, WarmProcessKey(1, 2, "", {"LANG=C.UTF-8"}, {"json"}));
  EXPECT_NE(base, WarmProcessKey(1, 2, "", {"LANG=C"}, {}));
  // Lists cannot run into each other.
  EXPECT_NE(WarmProcessKey(1, 2, "", {"A=1", "B=2"}, {}), WarmProcessKey(1, 2, "", {"A=1"}, {"B=2"}));
}

TEST(PythonPreloadTest, RequestIsEncodedAsWarmPythonPyReadsIt) {
  wire::SpawnRequest req;
  req.cwd = "/srv/cgi";
  req.path = "/srv/cgi/a.py";
  req.argv = {"/usr/bin/python3", "/srv/cgi/a.py"};
  req.env = {"A=1"};
  req.limits = {{0, 5, 10}};
  auto m = EncodeWarmRequest(req);
  ASSERT_TRUE(m.ok());
  static const char kExpected[] =
      "cppcgi-warm-1\0/srv/cgi\0/srv/cgi/a.py\0" "2\0/usr/bin/python3\0/srv/cgi/a.py\0" "1\0A=1\0" "1\0" "0\0" "5\0" "10";
  EXPECT_EQ(*m, std::string(kExpected, sizeof kExpected - 1));
  req.env.assign(1, "BIG=" + std::string(kMaxWarmMessage, 'x'));
  EXPECT_EQ(EncodeWarmRequest(req).status().code(), Code::kTooLarge);
}

TEST(PythonPreloadTest, RepliesAreParsedStrictly) {
  auto ok = ParseWarmReply("ok 1234");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->pid, 1234);
  auto err = ParseWarmReply("error 11 Resource temporarily unavailable");
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->pid, 0);
  EXPECT_EQ(err->sys_errno, 11);
  EXPECT_EQ(err->what, "Resource temporarily unavailable");
  for (const char* bad : {"", "ok", "ok 0", "ok -5", "ok 12x", "error", "error x y", "ready"}) {
    EXPECT_FALSE(ParseWarmReply(bad).ok()) << bad;
  }
}

TEST(PythonPreloadTest, ModuleNamesAreDottedIdentifiers) {
  for (const char* good : {"json", "email.parser", "_private", "a1.b_2"}) {
    EXPECT_TRUE(ParsePythonModuleName("CppCgiPythonPreload", good).ok()) << good;
  }
  for (const char* bad : {"", "bad-name", "1abc", "a..b", ".a", "a.", "os path", "a;import os"}) {
    auto r = ParsePythonModuleName("CppCgiPythonPreload", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("CppCgiPythonPreload: '"), std::string::npos);
  }
}

TEST(PythonPreloadTest, OnAndItsModulesAreOneSettingWhenMerged) {
  DirSettings parent;
  parent.python_preload = true;
  parent.python_preload_modules = std::vector<std::string>{"json"};
  DirSettings child;
  EXPECT_EQ(Resolve(Merge(parent, child), {}, std::nullopt).python_preload_modules,
            std::vector<std::string>{"json"});
  child.python_preload = true;
  child.python_preload_modules = std::vector<std::string>{};
  auto e = Resolve(Merge(parent, child), {}, std::nullopt);
  EXPECT_TRUE(e.python_preload);
  EXPECT_TRUE(e.python_preload_modules.empty());
  EXPECT_FALSE(Resolve(DirSettings{}, {}, std::nullopt).python_preload);  // Off by default
}

}  // namespace
}  // namespace cppcgi
