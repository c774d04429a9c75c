// SPDX-License-Identifier: Apache-2.0
#include "core/config.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

#include "core/pool_size.h"

namespace cppcgi {
namespace {

TEST(ConfigTest, ParseCountAcceptsRangeAndNamesDirectiveOnError) {
  EXPECT_EQ(*ParseCount("CppCgiHelpers", "4", 1, 64), 4);
  EXPECT_EQ(*ParseCount("CppCgiHelpers", "64", 1, 64), 64);
  for (std::string_view bad : {"0", "65", "-1", "", "4x", "x", " 4", "99999999999999999999"}) {
    auto r = ParseCount("CppCgiHelpers", bad, 1, 64);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(),
              "CppCgiHelpers: '" + std::string(bad) + "' is not accepted; expected a whole number from 1 to 64");
  }
}

// The values are what httpd's ap_timeout_parameter_parse makes of the text
// (microseconds; nullopt where it refuses it); the integration tests compare
// the whole syntax with mod_cgi's and mod_cgid's through apachectl -t.
TEST(ConfigTest, OwnDurationsAreOneMillisecondToOneDay) {
  EXPECT_EQ(*DurationMsInRange("T", "30", 30000000), 30000);
  EXPECT_EQ(*DurationMsInRange("T", "500ms", 500000), 500);
  EXPECT_EQ(*DurationMsInRange("T", "1ms", 1000), 1);
  EXPECT_EQ(*DurationMsInRange("T", "24h", 86400000000), 86400000);
  struct Bad {
    std::string_view text;
    std::optional<int64_t> us;
  };
  for (Bad bad : {Bad{"0", 0}, Bad{"-5", -5000000}, Bad{"25h", 90000000000}, Bad{"5m", std::nullopt},
                  Bad{"1d", std::nullopt}}) {
    auto r = DurationMsInRange("CppCgiIdleTimeout", bad.text, bad.us);
    ASSERT_FALSE(r.ok()) << bad.text;
    EXPECT_EQ(r.status().message(), "CppCgiIdleTimeout: '" + std::string(bad.text) + "' is not accepted; expected " +
                                        std::string(kTimeSyntax) + ", from 1ms to 24h");
  }
}

TEST(ConfigTest, CompatTimeoutTakesWhatModCgiTakes) {
  EXPECT_EQ(*CompatTimeoutMs("CGIScriptTimeout", "5mi", 300000000), 300000);
  EXPECT_EQ(*CompatTimeoutMs("CGIScriptTimeout", "0", 0), 0);            // the Timeout directive
  // httpd 2.4.71 refuses a negative value; where a parser lets one through, mod_cgi uses Timeout.
  EXPECT_EQ(*CompatTimeoutMs("CGIScriptTimeout", "-5", -5000000), 0);
  EXPECT_EQ(*CompatTimeoutMs("CGIScriptTimeout", "100d", 8640000000000), kMaxCompatTimeoutMs);
  auto r = CompatTimeoutMs("CGIDScriptTimeout", "5m", std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "CGIDScriptTimeout: '5m' is not accepted; expected " + std::string(kTimeSyntax));
}

TEST(ConfigTest, CompatNumbersAreReadAsModCgiReadsThem) {
  CompatNumber plain = ReadCompatNumber("ScriptLogLength", "4096", 4096, INT64_MIN, INT64_MAX);
  EXPECT_EQ(plain.value, 4096);
  EXPECT_FALSE(plain.notice);
  CompatNumber suffix = ReadCompatNumber("ScriptLogLength", "10k", 10, INT64_MIN, INT64_MAX);
  EXPECT_EQ(suffix.value, 10);
  EXPECT_EQ(suffix.notice, "ScriptLogLength '10k' is read as 10, as mod_cgi reads it (its leading digits)");
  CompatNumber negative = ReadCompatNumber("ScriptLogBuffer", "-1", -1, 0, 16777216);
  EXPECT_EQ(negative.value, 0);
  EXPECT_EQ(negative.notice, "ScriptLogBuffer '-1' is read as 0 (mod_cgi would read -1, which cannot be used: "
                             "it takes 0 to 16777216)");
  EXPECT_EQ(ReadCompatNumber("ScriptLogBuffer", "lots", 0, 0, 16777216).value, 0);
}

TEST(ConfigTest, SuexecModeIsHelpersOrWrapper) {
  EXPECT_EQ(*ParseSuexecMode("CppCgiSuexec", "helpers"), SuexecMode::kHelpers);
  EXPECT_EQ(*ParseSuexecMode("CppCgiSuexec", "Wrapper"), SuexecMode::kWrapper);
  auto bad = ParseSuexecMode("CppCgiSuexec", "on");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("CppCgiSuexec: 'on' is not accepted; expected helpers"), std::string::npos);
}

TEST(ConfigTest, MergeChildWinsUnsetInherits) {
  struct Case {
    std::optional<int64_t> parent, child, expected;
  };
  for (const Case& c : {Case{std::nullopt, std::nullopt, std::nullopt}, Case{1000, std::nullopt, 1000},
                        Case{std::nullopt, 2000, 2000}, Case{1000, 2000, 2000}}) {
    DirSettings p, ch;
    p.idle_timeout_ms = c.parent;
    ch.idle_timeout_ms = c.child;
    EXPECT_EQ(Merge(p, ch).idle_timeout_ms, c.expected);
  }
  ServerSettings four, eight, unset;
  four.helpers = 4;
  eight.helpers = 8;
  eight.max_scripts_total = 100;
  EXPECT_EQ(Merge(four, unset).helpers, 4);
  EXPECT_EQ(Merge(four, eight).helpers, 8);
  EXPECT_EQ(Merge(four, eight).max_scripts_total, 100);
  EXPECT_EQ(Merge(eight, four).max_scripts_total, 100);
  // ScriptLog*: a virtual host inherits the main server's, or sets its own.
  ServerSettings main_log, vhost_log;
  main_log.script_log = "/var/log/apache2/cgi.log";
  main_log.script_log_buffer = 64;
  vhost_log.script_log = "/srv/vh/cgi.log";
  EXPECT_EQ(Merge(main_log, unset).script_log, "/var/log/apache2/cgi.log");
  EXPECT_EQ(Merge(main_log, vhost_log).script_log, "/srv/vh/cgi.log");
  EXPECT_EQ(Merge(main_log, vhost_log).script_log_buffer, 64);
  EXPECT_FALSE(Merge(main_log, vhost_log).script_log_length.has_value());
}

TEST(PoolSizeTest, CgroupQuotaInWholeCpus) {
  EXPECT_EQ(CgroupCpuQuota("max 100000\n"), std::nullopt);
  EXPECT_EQ(CgroupCpuQuota("150000 100000\n"), 2);  // 1.5 CPUs: rounded up
  EXPECT_EQ(CgroupCpuQuota("50000 100000"), 1);
  EXPECT_EQ(CgroupCpuQuota("400000 100000"), 4);
  EXPECT_EQ(CgroupCpuQuota(""), std::nullopt);
  EXPECT_EQ(CgroupCpuQuota("100000"), std::nullopt);
  EXPECT_EQ(CgroupCpuQuota("-1 100000"), std::nullopt);
  EXPECT_EQ(CgroupCpuQuota("12x 100000"), std::nullopt);
}

TEST(PoolSizeTest, UsableCpusIsTheLeastOfAffinityAndQuota) {
  EXPECT_EQ(UsableCpus(16, std::nullopt), 16);
  EXPECT_EQ(UsableCpus(16, 2), 2);   // a container with --cpus=2 on a 16-CPU host
  EXPECT_EQ(UsableCpus(2, 8), 2);    // pinned to 2 CPUs (taskset, CPUAffinity=)
  EXPECT_EQ(UsableCpus(0, std::nullopt), 1);
}

TEST(PoolSizeTest, DefaultHelperCount) {
  EXPECT_EQ(DefaultHelperCount(0), 2);
  EXPECT_EQ(DefaultHelperCount(1), 2);
  EXPECT_EQ(DefaultHelperCount(2), 2);
  EXPECT_EQ(DefaultHelperCount(8), 8);
  EXPECT_EQ(DefaultHelperCount(1000), kMaxHelpers);
}

}  // namespace
}  // namespace cppcgi

namespace cppcgi {
namespace {

TEST(ConfigTest, PathsAndExtensions) {
  EXPECT_EQ(*ParseAbsolutePath("D", "/usr/bin/python3"), "/usr/bin/python3");
  for (std::string_view bad : {"python3", "", "/usr//bin", "/usr/../bin", "/usr/bin/", "/./x", "/x/.."}) {
    EXPECT_FALSE(ParseAbsolutePath("D", bad).ok()) << bad;
  }
  EXPECT_EQ(*ParseExtension("D", ".py"), ".py");
  EXPECT_EQ(*ParseExtension("D", ".cgi-bin_2"), ".cgi-bin_2");
  for (std::string_view bad : {"py", ".", ".p y", ".a/b", ".12345678901234567"}) {
    EXPECT_FALSE(ParseExtension("D", bad).ok()) << bad;
  }
}

TEST(ConfigTest, InterpreterMapsMergePerExtension) {
  DirSettings parent, child;
  parent.interpreters = {{".py", "/usr/bin/python3"}, {".pl", "/usr/bin/perl"}};
  child.interpreters = {{".py", "/opt/py/bin/python3"}};
  child.permissions = PermissionMode::kOff;
  DirSettings m = Merge(parent, child);
  EXPECT_EQ(m.interpreters.at(".py"), "/opt/py/bin/python3");
  EXPECT_EQ(m.interpreters.at(".pl"), "/usr/bin/perl");
  EXPECT_EQ(m.permissions, PermissionMode::kOff);
  EXPECT_EQ(Merge(child, DirSettings{}).permissions, PermissionMode::kOff);
}

TEST(ConfigTest, ScriptCapKeepsItsSectionsSlot) {
  DirSettings parent, child, plain;
  parent.max_scripts = 5;
  parent.max_scripts_slot = 1;
  child.max_scripts = 2;
  child.max_scripts_slot = 7;
  DirSettings inherited = Merge(parent, plain);
  EXPECT_EQ(inherited.max_scripts, 5u);
  EXPECT_EQ(inherited.max_scripts_slot, 1u);  // a subdirectory shares its parent's counter
  DirSettings own = Merge(parent, child);
  EXPECT_EQ(own.max_scripts, 2u);
  EXPECT_EQ(own.max_scripts_slot, 7u);
}

}  // namespace
}  // namespace cppcgi

#include "core/paths.h"

namespace cppcgi {
namespace {

TEST(PathsTest, DirectoryOf) {
  EXPECT_EQ(DirectoryOf("/a/b/c.cgi"), "/a/b");
  EXPECT_EQ(DirectoryOf("/c.cgi"), "/");
  EXPECT_EQ(DirectoryOf("c.cgi"), "/");
}

}  // namespace
}  // namespace cppcgi

namespace cppcgi {
namespace {

TEST(Resolve, UnsetDirectivesGetTheirDefaults) {
  EffectiveSettings e = Resolve(DirSettings{}, ServerSettings{}, 300000);
  EXPECT_EQ(e.idle_timeout_ms, 300000);  // the Timeout directive
  EXPECT_EQ(e.max_run_time_ms, 0);
  EXPECT_EQ(e.policy.permissions, PermissionMode::kOn);
  EXPECT_FALSE(e.policy.required_owner);
  EXPECT_TRUE(e.policy.allowed_interpreters.empty());
  EXPECT_TRUE(e.spool_unknown_length);
  EXPECT_FALSE(e.error_page);
  EXPECT_EQ(e.stderr_limit, 1 << 20);
  EXPECT_FALSE(e.max_scripts);
  EXPECT_EQ(e.max_scripts_total, 0u);
  EXPECT_FALSE(e.script_log.path);
  EXPECT_EQ(e.script_log.length, 10385760);  // mod_cgi's defaults
  EXPECT_EQ(e.script_log.buffer, 1024);
  EXPECT_FALSE(e.xsendfile);
  EXPECT_TRUE(e.xsendfile_paths.empty());
}

TEST(ConfigTest, XSendFilePathsAddUpAndTheSwitchInherits) {
  DirSettings server, section;
  server.xsendfile = true;
  server.xsendfile_paths = {"/srv/a", "/srv/b"};
  section.xsendfile_paths = {"/srv/b", "/srv/c"};
  DirSettings merged = Merge(server, section);
  EXPECT_EQ(merged.xsendfile, true);
  EXPECT_EQ(merged.xsendfile_paths, (std::vector<std::string>{"/srv/a", "/srv/b", "/srv/c"}));
  section.xsendfile = false;
  EffectiveSettings e = Resolve(Merge(server, section), ServerSettings{}, 1000);
  EXPECT_FALSE(e.xsendfile);
  EXPECT_EQ(e.xsendfile_paths.size(), 3u);
}

TEST(Resolve, SetDirectivesWin) {
  DirSettings d;
  d.idle_timeout_ms = 1500;
  d.max_run_time_ms = 9000;
  d.permissions = PermissionMode::kStrict;
  d.script_owner = 33;
  d.allowed_interpreters = std::vector<std::string>{"/usr/bin/python3"};
  d.interpreters[".py"] = "/usr/bin/python3";
  d.spool_unknown_length = false;
  d.error_page = true;
  d.stderr_limit = 0;
  d.max_scripts = 4;
  d.max_scripts_slot = 7;
  ServerSettings s;
  s.max_scripts_total = 64;
  s.script_log = "/var/log/apache2/cgi.log";
  s.script_log_length = 4000;
  s.script_log_buffer = 10;
  EffectiveSettings e = Resolve(d, s, 300000);
  EXPECT_EQ(e.idle_timeout_ms, 1500);
  EXPECT_EQ(e.max_run_time_ms, 9000);
  EXPECT_EQ(e.policy.permissions, PermissionMode::kStrict);
  EXPECT_EQ(e.policy.required_owner, 33u);
  EXPECT_EQ(e.policy.allowed_interpreters, std::vector<std::string>{"/usr/bin/python3"});
  EXPECT_EQ(e.interpreters.at(".py"), "/usr/bin/python3");
  EXPECT_FALSE(e.spool_unknown_length);
  EXPECT_TRUE(e.error_page);
  EXPECT_EQ(e.stderr_limit, 0);
  EXPECT_EQ(e.max_scripts, 4u);
  EXPECT_EQ(e.max_scripts_slot, 7u);
  EXPECT_EQ(e.max_scripts_total, 64u);
  EXPECT_EQ(e.script_log.path, "/var/log/apache2/cgi.log");
  EXPECT_EQ(e.script_log.length, 4000);
  EXPECT_EQ(e.script_log.buffer, 10);
}

TEST(Resolve, AnIdleTimeoutOfZeroIsTheTimeoutDirective) {
  DirSettings d;
  d.idle_timeout_ms = 0;  // CGIScriptTimeout 0, as mod_cgi reads it
  EXPECT_EQ(Resolve(d, ServerSettings{}, 60000).idle_timeout_ms, 60000);
  // Where Timeout is not known (the doctor), it stays 0: "the Timeout directive".
  EXPECT_EQ(Resolve(d, ServerSettings{}, std::nullopt).idle_timeout_ms, 0);
}

}  // namespace
}  // namespace cppcgi
