// SPDX-License-Identifier: Apache-2.0
#include "core/metrics.h"

#include <cstdio>

#include "core/error_page.h"
#include "core/version.h"

namespace cppcgi {
namespace {

constexpr std::array<std::string_view, kCheckIds> kCheckNames = {
    "not_regular_file",        "writable_by_others",     "directory_writable",      "setuid_setgid",
    "not_executable",          "wrong_owner",            "no_shebang",              "crlf_shebang",
    "byte_order_mark",         "shebang_too_long",       "relative_interpreter",    "interpreter_missing",
    "interpreter_not_file",    "interpreter_not_executable", "interpreter_writable", "interpreter_not_allowed",
    "not_readable",            "no_interpreter",         "symlink_refused",         "open_failed",
    "interpreter_is_script",   "suexec_wrong_owner",     "suexec_directory_owner",  "suexec_root_target",
    "suexec_by_extension",     "suexec_wrapper_missing", "noexec_mount",
    "",  // 327 is a warning (a risk let run), not a refusal
    "suexec_low_id",           "suexec_outside_root",
};

std::string Num(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

std::string Seconds(uint64_t us) {
  char b[64];
  std::snprintf(b, sizeof b, "%.6f", static_cast<double>(us) / 1e6);
  return b;
}

uint64_t Sum(const std::array<uint64_t, kDurationBuckets>& a) {
  uint64_t n = 0;
  for (uint64_t v : a) n += v;
  return n;
}

// Appends one metric family: HELP, TYPE and its samples.
void Family(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  *out += "# HELP ";
  *out += name;
  *out += ' ';
  *out += help;
  *out += "\n# TYPE ";
  *out += name;
  *out += ' ';
  *out += type;
  *out += '\n';
}

void Sample(std::string* out, std::string_view name, std::string_view labels, const std::string& value) {
  *out += name;
  if (!labels.empty()) {
    *out += '{';
    *out += labels;
    *out += '}';
  }
  *out += ' ';
  *out += value;
  *out += '\n';
}

// A label value: backslash, double quote and newline escaped (exposition format 0.0.4).
std::string PromEscape(std::string_view in) {
  std::string out;
  for (char c : in) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

uint32_t RunningAs(const StatsSnapshot& s, uint32_t uid) {
  uint32_t n = 0;
  for (const RunningScript& r : s.running) n += r.uid == uid ? 1 : 0;
  return n;
}

std::string IdentityLabels(const IdentityPoolInfo& id) {
  return "user=\"" + PromEscape(id.user) + "\",uid=\"" + std::to_string(id.uid) + "\",gid=\"" +
         std::to_string(id.gid) + "\"";
}

}  // namespace

std::string_view FailureReasonName(FailureReason reason) {
  switch (reason) {
    case FailureReason::kExecFailed: return "exec_failed";
    case FailureReason::kNoHeaders: return "no_headers";
    case FailureReason::kBadHeaders: return "bad_headers";
    case FailureReason::kPoolUnreachable: return "pool_unreachable";
    case FailureReason::kHelperFault: return "helper_fault";
  }
  return "unknown";
}

std::string_view CheckName(size_t index) { return index < kCheckNames.size() ? kCheckNames[index] : std::string_view(); }

size_t DurationBucket(int64_t wall_us) {
  double s = static_cast<double>(wall_us < 0 ? 0 : wall_us) / 1e6;
  for (size_t i = 0; i < kDurationBounds.size(); ++i) {
    if (s <= kDurationBounds[i]) return i;
  }
  return kDurationBounds.size();
}

std::string JsonEscape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      out += b;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string RenderPrometheus(const StatsSnapshot& s) {
  std::string o;
  auto counter = [&](std::string_view name, std::string_view help, uint64_t v) {
    Family(&o, name, "counter", help);
    Sample(&o, name, "", std::to_string(v));
  };
  auto gauge = [&](std::string_view name, std::string_view help, uint64_t v) {
    Family(&o, name, "gauge", help);
    Sample(&o, name, "", std::to_string(v));
  };
  Family(&o, "cppcgi_build_info", "gauge", "The running mod_cppcgi's version; always 1.");
  Sample(&o, "cppcgi_build_info", "version=\"" + std::string(kVersion) + "\"", "1");
  counter("cppcgi_scripts_started_total", "Scripts started by the helper pool.", s.scripts_started);

  Family(&o, "cppcgi_script_exits_total", "counter", "Scripts reaped, by how they ended.");
  Sample(&o, "cppcgi_script_exits_total", "outcome=\"success\"", std::to_string(s.exits_success));
  Sample(&o, "cppcgi_script_exits_total", "outcome=\"error\"", std::to_string(s.exits_error));
  Sample(&o, "cppcgi_script_exits_total", "outcome=\"signal\"", std::to_string(s.exits_signal));

  Family(&o, "cppcgi_script_failures_total", "counter",
         "Scripts that ran or were to run but gave no usable response, by reason.");
  for (size_t i = 0; i < kFailureReasons; ++i) {
    std::string label = "reason=\"" + std::string(FailureReasonName(static_cast<FailureReason>(i))) + "\"";
    Sample(&o, "cppcgi_script_failures_total", label, std::to_string(s.failures[i]));
  }

  Family(&o, "cppcgi_check_refusals_total", "counter",
         "Scripts refused before they ran, by the check that refused them (CPPCGI03nn).");
  for (size_t i = 0; i < kCheckIds; ++i) {
    if (CheckName(i).empty()) continue;
    std::string label = "check=\"" + std::string(CheckName(i)) + "\"";
    Sample(&o, "cppcgi_check_refusals_total", label, std::to_string(s.refusals[i]));
  }

  Family(&o, "cppcgi_timeouts_total", "counter", "Scripts ended by a timeout, by kind.");
  Sample(&o, "cppcgi_timeouts_total", "kind=\"idle\"", std::to_string(s.timeouts_idle));
  Sample(&o, "cppcgi_timeouts_total", "kind=\"run_time\"", std::to_string(s.timeouts_run_time));

  counter("cppcgi_client_disconnects_total", "Scripts ended because the client went away.", s.client_disconnects);
  counter("cppcgi_helper_restarts_total", "Helpers that died and were replaced.", s.helper_restarts);
  counter("cppcgi_cap_rejections_total",
          "Requests answered 503 because CppCgiMaxScripts or CppCgiMaxScriptsTotal was reached.", s.cap_rejections);
  counter("cppcgi_sendfile_responses_total", "Responses whose body was a file named by the script's X-Sendfile.",
          s.sendfile_responses);
  counter("cppcgi_python_warm_starts_total",
          "Scripts forked by a warm Python process (CppCgiPythonPreload) instead of exec'd.", s.python_warm_starts);
  gauge("cppcgi_helpers_alive", "Helper processes of the current generation.", s.helpers_alive);
  gauge("cppcgi_scripts_running", "Scripts running now.", s.scripts_running);

  Family(&o, "cppcgi_script_duration_seconds", "histogram", "Wall time of scripts, from start to reaping.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kDurationBuckets; ++i) {
    cumulative += s.duration_buckets[i];
    std::string le = i < kDurationBounds.size() ? Num(kDurationBounds[i]) : "+Inf";
    Sample(&o, "cppcgi_script_duration_seconds_bucket", "le=\"" + le + "\"", std::to_string(cumulative));
  }
  Sample(&o, "cppcgi_script_duration_seconds_sum", "", Seconds(s.duration_sum_us));
  Sample(&o, "cppcgi_script_duration_seconds_count", "", std::to_string(cumulative));
  if (!s.identities.empty()) {
    Family(&o, "cppcgi_identity_helpers", "gauge",
           "Helpers started for each SuexecUserGroup identity (CppCgiSuexec helpers).");
    for (const IdentityPoolInfo& id : s.identities)
      Sample(&o, "cppcgi_identity_helpers", IdentityLabels(id), std::to_string(id.helpers));
    Family(&o, "cppcgi_identity_scripts_running", "gauge", "Scripts running now as each SuexecUserGroup identity.");
    for (const IdentityPoolInfo& id : s.identities)
      Sample(&o, "cppcgi_identity_scripts_running", IdentityLabels(id), std::to_string(RunningAs(s, id.uid)));
  }
  return o;
}

std::string RenderJson(const StatsSnapshot& s) {
  std::string o = "{";
  auto field = [&](std::string_view name, const std::string& value) {
    if (o.size() > 1) o += ',';
    o += '"';
    o += name;
    o += "\":";
    o += value;
  };
  field("format", std::to_string(kStatusJsonFormat));
  field("version", "\"" + JsonEscape(kVersion) + "\"");
  field("helpers_alive", std::to_string(s.helpers_alive));
  field("scripts_running", std::to_string(s.scripts_running));
  field("scripts_started", std::to_string(s.scripts_started));
  field("exits", "{\"success\":" + std::to_string(s.exits_success) + ",\"error\":" + std::to_string(s.exits_error) +
                     ",\"signal\":" + std::to_string(s.exits_signal) + "}");
  std::string failures = "{";
  for (size_t i = 0; i < kFailureReasons; ++i) {
    if (i > 0) failures += ',';
    failures += "\"" + std::string(FailureReasonName(static_cast<FailureReason>(i))) + "\":" + std::to_string(s.failures[i]);
  }
  field("failures", failures + "}");
  std::string refusals = "{";
  for (size_t i = 0; i < kCheckIds; ++i) {
    if (CheckName(i).empty()) continue;
    if (refusals.size() > 1) refusals += ',';
    refusals += "\"" + std::string(CheckName(i)) + "\":" + std::to_string(s.refusals[i]);
  }
  field("check_refusals", refusals + "}");
  field("timeouts", "{\"idle\":" + std::to_string(s.timeouts_idle) + ",\"run_time\":" +
                        std::to_string(s.timeouts_run_time) + "}");
  field("client_disconnects", std::to_string(s.client_disconnects));
  field("helper_restarts", std::to_string(s.helper_restarts));
  field("cap_rejections", std::to_string(s.cap_rejections));
  field("sendfile_responses", std::to_string(s.sendfile_responses));
  field("python_warm_starts", std::to_string(s.python_warm_starts));
  std::string buckets = "[";
  for (size_t i = 0; i < kDurationBuckets; ++i) {
    if (i > 0) buckets += ',';
    std::string le = i < kDurationBounds.size() ? Num(kDurationBounds[i]) : "\"+Inf\"";
    buckets += "[" + le + "," + std::to_string(s.duration_buckets[i]) + "]";
  }
  field("script_duration_seconds", "{\"buckets\":" + buckets + "],\"sum\":" + Seconds(s.duration_sum_us) +
                                       ",\"count\":" + std::to_string(Sum(s.duration_buckets)) + "}");
  std::string running = "[";
  for (const RunningScript& r : s.running) {
    if (running.size() > 1) running += ',';
    running += "{\"pid\":" + std::to_string(r.pid) + ",\"helper\":" + std::to_string(r.helper) +
               ",\"uid\":" + std::to_string(r.uid) + ",\"started\":\"" + (r.warm ? "warm" : "exec") +
               "\",\"request\":\"" +
               JsonEscape(r.request) + "\",\"client\":\"" + JsonEscape(r.client) +
               "\",\"runtime_seconds\":" + Num(r.runtime_s) + "}";
  }
  field("running", running + "]");
  std::string identities = "[";
  for (const IdentityPoolInfo& id : s.identities) {
    if (identities.size() > 1) identities += ',';
    identities += "{\"user\":\"" + JsonEscape(id.user) + "\",\"uid\":" + std::to_string(id.uid) +
                  ",\"gid\":" + std::to_string(id.gid) + ",\"helpers\":" + std::to_string(id.helpers) +
                  ",\"scripts_running\":" + std::to_string(RunningAs(s, id.uid)) + "}";
  }
  field("identities", identities + "]");
  return o + "}\n";
}

namespace {

std::string RunningTable(const StatsSnapshot& s) {
  std::string h = "<table id=\"cppcgi-running\" border=\"1\">\n<tr><th>PID</th><th>Helper</th><th>UID</th>"
                  "<th>Started</th><th>Request</th><th>Client</th><th>Runtime (s)</th></tr>\n";
  for (const RunningScript& r : s.running) {
    h += "<tr><td>" + std::to_string(r.pid) + "</td><td>" + std::to_string(r.helper) + "</td><td>" +
         std::to_string(r.uid) + "</td><td>" + (r.warm ? "warm Python" : "exec") + "</td><td>" +
         HtmlEscape(r.request) + "</td><td>" + HtmlEscape(r.client) + "</td><td>" + Num(r.runtime_s) + "</td></tr>\n";
  }
  return h + "</table>\n";
}

std::string IdentityTable(const StatsSnapshot& s) {
  std::string h = "<h2>SuexecUserGroup identities (" + std::to_string(s.identities.size()) +
                  ")</h2>\n<table id=\"cppcgi-identities\" border=\"1\">\n<tr><th>User</th><th>UID</th>"
                  "<th>GID</th><th>Helpers</th><th>Scripts running</th></tr>\n";
  for (const IdentityPoolInfo& id : s.identities) {
    h += "<tr><td>" + HtmlEscape(id.user) + "</td><td>" + std::to_string(id.uid) + "</td><td>" +
         std::to_string(id.gid) + "</td><td>" + std::to_string(id.helpers) + "</td><td>" +
         std::to_string(RunningAs(s, id.uid)) + "</td></tr>\n";
  }
  return h + "</table>\n";
}

std::string Row(std::string_view name, uint64_t v) {
  return "<tr><th align=\"left\">" + std::string(name) + "</th><td>" + std::to_string(v) + "</td></tr>\n";
}

std::string CountersTable(const StatsSnapshot& s) {
  std::string h = "<table id=\"cppcgi-counters\" border=\"1\">\n";
  h += Row("Helpers alive", s.helpers_alive);
  h += Row("Scripts running", s.scripts_running);
  h += Row("Scripts started", s.scripts_started);
  h += Row("Exited with status 0", s.exits_success);
  h += Row("Exited with another status", s.exits_error);
  h += Row("Killed by a signal", s.exits_signal);
  for (size_t i = 0; i < kFailureReasons; ++i) {
    h += Row("Failed: " + std::string(FailureReasonName(static_cast<FailureReason>(i))), s.failures[i]);
  }
  for (size_t i = 0; i < kCheckIds; ++i) {
    if (!CheckName(i).empty() && s.refusals[i] != 0)
      h += Row("Refused: CPPCGI0" + std::to_string(300 + i) + " " + std::string(CheckName(i)), s.refusals[i]);
  }
  h += Row("Idle timeouts", s.timeouts_idle);
  h += Row("Run-time limit reached", s.timeouts_run_time);
  h += Row("Client disconnects", s.client_disconnects);
  h += Row("Helper restarts", s.helper_restarts);
  h += Row("503 from a concurrency cap", s.cap_rejections);
  h += Row("Files sent for X-Sendfile", s.sendfile_responses);
  h += Row("Scripts forked by a warm Python", s.python_warm_starts);
  return h + "</table>\n";
}

}  // namespace

std::string RenderHtml(const StatsSnapshot& s) {
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>mod_cppcgi status</title></head><body>\n"
      "<h1>mod_cppcgi status</h1>\n<p id=\"cppcgi-version\">mod_cppcgi " + std::string(kVersion) + "</p>\n";
  h += CountersTable(s);
  h += "<h2>Running scripts (" + std::to_string(s.running.size()) + ")</h2>\n";
  h += RunningTable(s);
  if (!s.identities.empty()) h += IdentityTable(s);
  uint64_t count = Sum(s.duration_buckets);
  h += "<h2>Script wall time</h2>\n<p>" + std::to_string(count) + " scripts, " + Seconds(s.duration_sum_us) +
       " s in all.</p>\n<p>Also as <a href=\"?json\">JSON</a> and <a href=\"?metrics\">Prometheus metrics</a>.</p>\n";
  return h + "</body></html>\n";
}

std::string RenderStatusSection(const StatsSnapshot& s, bool short_form) {
  if (short_form) {
    std::string o;
    auto line = [&](std::string_view k, uint64_t v) { o += "CppCgi" + std::string(k) + ": " + std::to_string(v) + "\n"; };
    line("HelpersAlive", s.helpers_alive);
    line("ScriptsRunning", s.scripts_running);
    line("ScriptsStarted", s.scripts_started);
    line("Timeouts", s.timeouts_idle + s.timeouts_run_time);
    line("ClientDisconnects", s.client_disconnects);
    line("HelperRestarts", s.helper_restarts);
    line("CapRejections", s.cap_rejections);
    line("SendfileResponses", s.sendfile_responses);
    line("PythonWarmStarts", s.python_warm_starts);
    return o;
  }
  return "<hr />\n<h2>mod_cppcgi</h2>\n" + CountersTable(s) + "<h3>Running CGI scripts</h3>\n" + RunningTable(s);
}

}  // namespace cppcgi
