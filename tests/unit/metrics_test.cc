// SPDX-License-Identifier: Apache-2.0
#include "core/metrics.h"
#include "core/script_check.h"
#include "core/version.h"

#include <gtest/gtest.h>

#include <sstream>

namespace cppcgi {
namespace {

StatsSnapshot Sample() {
  StatsSnapshot s;
  s.scripts_started = 7;
  s.exits_success = 5;
  s.exits_error = 1;
  s.exits_signal = 1;
  s.failures[static_cast<size_t>(FailureReason::kNoHeaders)] = 2;
  s.refusals[1] = 3;  // CPPCGI0301
  s.timeouts_idle = 1;
  s.cap_rejections = 4;
  s.sendfile_responses = 9;
  s.helpers_alive = 2;
  s.scripts_running = 1;
  s.duration_buckets[DurationBucket(3000)] = 6;       // 3 ms
  s.duration_buckets[DurationBucket(400000000)] = 1;  // 400 s: +Inf
  s.duration_sum_us = 400018000;
  s.running.push_back({1234, 99, 1001, "GET /cgi-bin/slow.py?a=<b>&\"c\"", "127.0.0.1", 1.5});
  return s;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(MetricsTest, DurationBucketsAreUpperInclusive) {
  EXPECT_EQ(DurationBucket(0), 0u);
  EXPECT_EQ(DurationBucket(5000), 0u);  // exactly 0.005 s
  EXPECT_EQ(DurationBucket(5001), 1u);
  EXPECT_EQ(DurationBucket(1000000), 7u);  // 1 s
  EXPECT_EQ(DurationBucket(-5), 0u);
  EXPECT_EQ(DurationBucket(301000000), kDurationBounds.size());
}

TEST(MetricsTest, PrometheusHasCumulativeHistogramAndLabels) {
  std::string p = RenderPrometheus(Sample());
  EXPECT_TRUE(Contains(p, "# TYPE cppcgi_scripts_started_total counter\ncppcgi_scripts_started_total 7\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_script_failures_total{reason=\"no_headers\"} 2\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_check_refusals_total{check=\"writable_by_others\"} 3\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_timeouts_total{kind=\"idle\"} 1\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_cap_rejections_total 4\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_sendfile_responses_total 9\n"));
  EXPECT_TRUE(Contains(p, "# TYPE cppcgi_helpers_alive gauge\ncppcgi_helpers_alive 2\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_script_duration_seconds_bucket{le=\"0.005\"} 6\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_script_duration_seconds_bucket{le=\"300\"} 6\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_script_duration_seconds_bucket{le=\"+Inf\"} 7\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_script_duration_seconds_count 7\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_script_duration_seconds_sum 400.018000\n"));
  // Every line is a comment or "name[{labels}] value", and every sample's family was declared.
  std::istringstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    ASSERT_FALSE(line.empty());
    if (line[0] == '#') continue;
    EXPECT_TRUE(line.starts_with("cppcgi_")) << line;
    EXPECT_NE(line.rfind(' '), std::string::npos) << line;
  }
}

TEST(MetricsTest, JsonEscapesAndListsRunningScripts) {
  std::string j = RenderJson(Sample());
  EXPECT_TRUE(Contains(j, "\"scripts_started\":7"));
  EXPECT_TRUE(Contains(j, "\"check_refusals\":{\"not_regular_file\":0,\"writable_by_others\":3"));
  EXPECT_TRUE(Contains(j, "\"cap_rejections\":4,\"sendfile_responses\":9"));
  EXPECT_TRUE(Contains(j, "\"request\":\"GET /cgi-bin/slow.py?a=<b>&\\\"c\\\"\""));
  EXPECT_TRUE(Contains(j, "[\"+Inf\",1]"));
  EXPECT_EQ(JsonEscape(std::string("a\nb\x01", 4)), "a\\u000ab\\u0001");
}

TEST(MetricsTest, HtmlEscapesTheRequest) {
  std::string h = RenderHtml(Sample());
  EXPECT_TRUE(Contains(RenderJson(Sample()), "\"pid\":1234,\"helper\":99,\"uid\":1001,"));
  EXPECT_TRUE(Contains(h, "<td>1234</td><td>99</td><td>1001</td><td>exec</td><td>GET /cgi-bin/slow.py?a=&lt;b&gt;&amp;&quot;c&quot;</td>"));
  EXPECT_FALSE(Contains(h, "<b>&"));
}

TEST(MetricsTest, WarmPythonStartsAreCountedAndShownPerScript) {
  StatsSnapshot s = Sample();
  s.python_warm_starts = 7;
  s.running[0].warm = true;
  EXPECT_TRUE(Contains(RenderPrometheus(s), "cppcgi_python_warm_starts_total 7\n"));
  EXPECT_TRUE(Contains(RenderJson(s), "\"python_warm_starts\":7"));
  EXPECT_TRUE(Contains(RenderJson(s), "\"uid\":1001,\"started\":\"warm\","));
  EXPECT_TRUE(Contains(RenderHtml(s), "<td>1001</td><td>warm Python</td>"));
  EXPECT_TRUE(Contains(RenderHtml(s), "<th align=\"left\">Scripts forked by a warm Python</th><td>7</td>"));
}

TEST(MetricsTest, IdentitiesAreListedWithTheirRunningScripts) {
  StatsSnapshot s = Sample();
  EXPECT_FALSE(Contains(RenderPrometheus(s), "cppcgi_identity_"));  // none: no family at all
  EXPECT_FALSE(Contains(RenderHtml(s), "cppcgi-identities"));
  EXPECT_TRUE(Contains(RenderJson(s), "\"identities\":[]"));
  s.identities.push_back({"site_a", 1001, 1002, 2});
  s.identities.push_back({"we\"ird\\<x>", 1003, 1003, 1});
  std::string p = RenderPrometheus(s);
  EXPECT_TRUE(Contains(p, "# TYPE cppcgi_identity_helpers gauge\n"
                          "cppcgi_identity_helpers{user=\"site_a\",uid=\"1001\",gid=\"1002\"} 2\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_identity_helpers{user=\"we\\\"ird\\\\<x>\",uid=\"1003\",gid=\"1003\"} 1\n"));
  // The running script of Sample() runs as uid 1001.
  EXPECT_TRUE(Contains(p, "cppcgi_identity_scripts_running{user=\"site_a\",uid=\"1001\",gid=\"1002\"} 1\n"));
  EXPECT_TRUE(Contains(p, "cppcgi_identity_scripts_running{user=\"we\\\"ird\\\\<x>\",uid=\"1003\",gid=\"1003\"} 0\n"));
  EXPECT_TRUE(Contains(RenderJson(s), "\"identities\":[{\"user\":\"site_a\",\"uid\":1001,\"gid\":1002,\"helpers\":2,"
                                      "\"scripts_running\":1},{\"user\":\"we\\\"ird\\\\<x>\""));
  std::string h = RenderHtml(s);
  EXPECT_TRUE(Contains(h, "<tr><td>site_a</td><td>1001</td><td>1002</td><td>2</td><td>1</td></tr>"));
  EXPECT_TRUE(Contains(h, "<td>we&quot;ird\\&lt;x&gt;</td>"));
}

TEST(MetricsTest, StatusSectionShortFormIsKeyValueLines) {
  std::string s = RenderStatusSection(Sample(), true);
  EXPECT_TRUE(Contains(s, "CppCgiScriptsStarted: 7\n"));
  EXPECT_TRUE(Contains(s, "CppCgiCapRejections: 4\n"));
  EXPECT_TRUE(Contains(RenderStatusSection(Sample(), false), "<h2>mod_cppcgi</h2>"));
}

TEST(MetricsTest, EveryCheckIdHasAName) {
  // Every refusal, CheckId::kNotRegular (300) .. kSuexecOutsideRoot (329); the
  // permission-risk warning (327) refuses nothing.
  const size_t last = static_cast<size_t>(CheckId::kSuexecOutsideRoot) - 300;
  const size_t warning = static_cast<size_t>(CheckId::kPermissionRisk) - 300;
  for (size_t i = 0; i <= last; ++i) EXPECT_EQ(CheckName(i).empty(), i == warning) << i;
  EXPECT_TRUE(CheckName(last + 1).empty());
  EXPECT_LT(last, kCheckIds);
  EXPECT_EQ(CheckName(static_cast<size_t>(CheckId::kSuexecOwner) - 300), "suexec_wrong_owner");
  EXPECT_EQ(CheckName(static_cast<size_t>(CheckId::kNoexecMount) - 300), "noexec_mount");
}

}  // namespace
}  // namespace cppcgi

namespace cppcgi {
namespace {

TEST(Metrics, EveryRenderingNamesTheVersion) {
  StatsSnapshot s;
  std::string version(kVersion);
  ASSERT_FALSE(version.empty());
  EXPECT_NE(RenderPrometheus(s).find("cppcgi_build_info{version=\"" + version + "\"} 1\n"), std::string::npos);
  std::string json = RenderJson(s);
  EXPECT_EQ(json.rfind("{\"format\":" + std::to_string(kStatusJsonFormat) + ",\"version\":\"" + version + "\",", 0),
            0u)
      << json;
  EXPECT_NE(RenderHtml(s).find("mod_cppcgi " + version), std::string::npos);
}

}  // namespace
}  // namespace cppcgi
