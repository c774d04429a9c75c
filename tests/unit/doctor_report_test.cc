// SPDX-License-Identifier: Apache-2.0
#include "core/doctor_report.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace cppcgi {
namespace {

TEST(DoctorReportTest, RoundTripsThroughHttpdOutput) {
  DoctorReport r;
  r.script = "/srv/cgi bin/x.py";
  r.exec_cgi = true;
  r.handler = "cgi-script";
  r.user = "www-data";
  r.settings.idle_timeout_ms = 1500;
  r.settings.permissions = PermissionMode::kWarn;
  r.settings.allowed_interpreters = std::vector<std::string>{"/usr/bin/python3", "/bin/sh"};
  r.settings.interpreters = {{".py", "/usr/bin/python3"}};
  r.settings.max_scripts = 4;
  r.settings.spool_unknown_length = false;
  r.settings.stderr_limit = 0;
  // httpd's own lines around the report are ignored.
  std::string output = "AH00558: apache2: Could not reliably determine...\n" + FormatDoctorReport(r) + "Syntax OK\n";
  auto parsed = ParseDoctorReport(output);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->script, r.script);
  EXPECT_TRUE(parsed->exec_cgi);
  EXPECT_FALSE(parsed->follow_symlinks);
  EXPECT_EQ(parsed->handler, "cgi-script");
  EXPECT_EQ(parsed->settings.idle_timeout_ms, 1500);
  EXPECT_EQ(parsed->settings.permissions, PermissionMode::kWarn);
  EXPECT_EQ(parsed->settings.allowed_interpreters, r.settings.allowed_interpreters);
  EXPECT_EQ(parsed->settings.interpreters, r.settings.interpreters);
  EXPECT_EQ(parsed->settings.max_scripts, 4u);
  EXPECT_EQ(parsed->settings.spool_unknown_length, false);
  EXPECT_EQ(parsed->settings.stderr_limit, 0);
  EXPECT_FALSE(parsed->settings.max_run_time_ms.has_value());
  EXPECT_FALSE(parsed->settings.error_page.has_value());
}

TEST(DoctorReportTest, AnEmptyAllowListStaysSet) {
  DoctorReport r;
  r.script = "/x";
  r.settings.allowed_interpreters = std::vector<std::string>{};
  auto parsed = ParseDoctorReport(FormatDoctorReport(r));
  ASSERT_TRUE(parsed.ok());
  ASSERT_TRUE(parsed->settings.allowed_interpreters.has_value());
  EXPECT_TRUE(parsed->settings.allowed_interpreters->empty());
}

TEST(DoctorReportTest, MissingOrMalformedReportsAreErrors) {
  EXPECT_FALSE(ParseDoctorReport("Syntax OK\n").ok());
  EXPECT_FALSE(ParseDoctorReport("cppcgi-doctor-report: script /x\ncppcgi-doctor-report: max-scripts lots\n").ok());
  EXPECT_FALSE(ParseDoctorReport("cppcgi-doctor-report: nospace\n").ok());
}

TEST(DoctorReportTest, DescribesDefaultsInPlainWords) {
  DoctorReport r;
  r.script = "/x";
  auto lines = DescribeDoctorReport(r);
  auto has = [&](const std::string& s) { return std::find(lines.begin(), lines.end(), s) != lines.end(); };
  EXPECT_TRUE(has("CppCgiIdleTimeout: the Timeout directive"));
  EXPECT_TRUE(has("CppCgiPermissionCheck: On"));
  EXPECT_TRUE(has("CppCgiAllowInterpreter: any"));
  EXPECT_TRUE(has("CppCgiStderrLimit: 1048576 bytes"));
  EXPECT_TRUE(has("CppCgiXSendFile: Off"));
  r.settings.idle_timeout_ms = 250;
  r.settings.xsendfile = true;
  lines = DescribeDoctorReport(r);
  EXPECT_TRUE(has("CppCgiIdleTimeout: 250 ms"));
  EXPECT_TRUE(has("CppCgiXSendFile: On, from no directory (CppCgiXSendFilePath)"));
  r.settings.xsendfile_paths = {"/srv/a", "/srv/b"};
  auto parsed = ParseDoctorReport(FormatDoctorReport(r));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->settings.xsendfile, true);
  EXPECT_EQ(parsed->settings.xsendfile_paths, r.settings.xsendfile_paths);
  lines = DescribeDoctorReport(*parsed);
  EXPECT_TRUE(has("CppCgiXSendFile: On, from /srv/a /srv/b"));
}

}  // namespace
}  // namespace cppcgi
