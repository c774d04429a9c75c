// SPDX-License-Identifier: Apache-2.0
#include "core/doctor_report.h"

#include <charconv>

namespace cppcgi {
namespace {

std::string Line(std::string_view key, std::string_view value) {
  std::string out(kDoctorReportPrefix);
  out += key;
  out += ' ';
  out += value;
  out += '\n';
  return out;
}

template <typename T>
bool Number(std::string_view text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string Ms(int64_t ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

}  // namespace

std::string FormatDoctorReport(const DoctorReport& r) {
  const DirSettings& d = r.settings;
  std::string out = Line("script", r.script);
  out += Line("exec-cgi", r.exec_cgi ? "on" : "off");
  out += Line("follow-symlinks", r.follow_symlinks ? "on" : "off");
  out += Line("handler", r.handler);
  out += Line("user", r.user);
  if (d.idle_timeout_ms) out += Line("idle-timeout-ms", std::to_string(*d.idle_timeout_ms));
  if (d.max_run_time_ms) out += Line("max-run-time-ms", std::to_string(*d.max_run_time_ms));
  if (d.permissions) out += Line("permission-check", PermissionModeName(*d.permissions));
  if (d.allowed_interpreters) {
    out += Line("allow-interpreters", "");
    for (const auto& p : *d.allowed_interpreters) out += Line("allow-interpreter", p);
  }
  for (const auto& [ext, path] : d.interpreters) out += Line("interpreter", ext + " " + path);
  if (d.script_owner) out += Line("script-owner", std::to_string(*d.script_owner));
  if (d.max_scripts) out += Line("max-scripts", std::to_string(*d.max_scripts));
  if (d.spool_unknown_length) out += Line("request-body", *d.spool_unknown_length ? "spool" : "stream");
  if (d.error_page) out += Line("error-page", *d.error_page ? "on" : "off");
  if (d.stderr_limit) out += Line("stderr-limit", std::to_string(*d.stderr_limit));
  if (d.xsendfile) out += Line("xsendfile", *d.xsendfile ? "on" : "off");
  for (const auto& p : d.xsendfile_paths) out += Line("xsendfile-path", p);
  if (d.python_preload) out += Line("python-preload", *d.python_preload ? "on" : "off");
  if (d.python_preload_modules) {
    for (const auto& m : *d.python_preload_modules) out += Line("python-preload-module", m);
  }
  return out;
}

StatusOr<DoctorReport> ParseDoctorReport(std::string_view output) {
  DoctorReport r;
  DirSettings& d = r.settings;
  bool seen = false;
  while (!output.empty()) {
    size_t nl = output.find('\n');
    std::string_view line = output.substr(0, nl);
    output = nl == std::string_view::npos ? std::string_view() : output.substr(nl + 1);
    if (!line.starts_with(kDoctorReportPrefix)) continue;
    line.remove_prefix(kDoctorReportPrefix.size());
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return Status(Code::kInvalidArgument, "malformed report line");
    std::string_view key = line.substr(0, sp), value = line.substr(sp + 1);
    bool ok = true;
    if (key == "script") {
      r.script = value;
      seen = true;
    } else if (key == "exec-cgi") {
      r.exec_cgi = value == "on";
    } else if (key == "follow-symlinks") {
      r.follow_symlinks = value == "on";
    } else if (key == "handler") {
      r.handler = value;
    } else if (key == "user") {
      r.user = value;
    } else if (key == "idle-timeout-ms") {
      ok = Number(value, &d.idle_timeout_ms.emplace());
    } else if (key == "max-run-time-ms") {
      ok = Number(value, &d.max_run_time_ms.emplace());
    } else if (key == "permission-check") {
      auto mode = ParsePermissionMode("permission-check", value);
      ok = mode.ok();
      if (ok) d.permissions = *mode;
    } else if (key == "allow-interpreters") {
      d.allowed_interpreters.emplace();
    } else if (key == "allow-interpreter") {
      if (!d.allowed_interpreters) d.allowed_interpreters.emplace();
      d.allowed_interpreters->emplace_back(value);
    } else if (key == "interpreter") {
      size_t at = value.find(' ');
      ok = at != std::string_view::npos;
      if (ok) d.interpreters[std::string(value.substr(0, at))] = value.substr(at + 1);
    } else if (key == "script-owner") {
      ok = Number(value, &d.script_owner.emplace());
    } else if (key == "max-scripts") {
      ok = Number(value, &d.max_scripts.emplace());
    } else if (key == "request-body") {
      d.spool_unknown_length = value == "spool";
    } else if (key == "error-page") {
      d.error_page = value == "on";
    } else if (key == "stderr-limit") {
      ok = Number(value, &d.stderr_limit.emplace());
    } else if (key == "xsendfile") {
      d.xsendfile = value == "on";
    } else if (key == "xsendfile-path") {
      d.xsendfile_paths.emplace_back(value);
    } else if (key == "python-preload") {
      d.python_preload = value == "on";
    } else if (key == "python-preload-module") {
      if (!d.python_preload_modules) d.python_preload_modules.emplace();
      d.python_preload_modules->emplace_back(value);
    }
    if (!ok) return Status(Code::kInvalidArgument, "malformed report value for " + std::string(key));
  }
  if (!seen) return Status(Code::kUnavailable, "httpd printed no mod_cppcgi report (is mod_cppcgi loaded by this configuration?)");
  return r;
}

std::vector<std::string> DescribeDoctorReport(const DoctorReport& r) {
  // What the module would apply (the server-wide settings are not in the report).
  const EffectiveSettings e = Resolve(r.settings, ServerSettings{}, std::nullopt);
  std::vector<std::string> out;
  out.push_back(std::string("SetHandler: ") +
                (r.handler.empty() ? "none here (a ScriptAlias URL or \"AddHandler cgi-script .ext\" must map it)"
                                   : r.handler));
  out.push_back(std::string("Options ExecCGI: ") + (r.exec_cgi ? "on" : "off (only ScriptAlias'd URLs would run it)"));
  out.push_back(std::string("symbolic links followed: ") + (r.follow_symlinks ? "yes" : "no"));
  out.push_back("scripts run as: " + (r.user.empty() ? std::string("(unknown)") : r.user));
  out.push_back("CppCgiIdleTimeout: " + (e.idle_timeout_ms > 0 ? Ms(e.idle_timeout_ms)
                                                              : std::string("the Timeout directive")));
  out.push_back("CppCgiMaxRunTime: " + (e.max_run_time_ms > 0 ? Ms(e.max_run_time_ms) : std::string("no limit")));
  out.push_back(std::string("CppCgiPermissionCheck: ") + PermissionModeName(e.policy.permissions));
  std::string allowed;
  for (const auto& p : e.policy.allowed_interpreters) allowed += (allowed.empty() ? "" : " ") + p;
  out.push_back("CppCgiAllowInterpreter: " + (allowed.empty() ? std::string("any") : allowed));
  std::string by_ext;
  for (const auto& [ext, path] : e.interpreters) by_ext += (by_ext.empty() ? "" : ", ") + ext + " by " + path;
  out.push_back("CppCgiInterpreter: " + (by_ext.empty() ? std::string("none") : by_ext));
  out.push_back("CppCgiScriptOwner: " +
                (e.policy.required_owner ? "uid " + std::to_string(*e.policy.required_owner) : std::string("any")));
  out.push_back("CppCgiMaxScripts: " + (e.max_scripts ? std::to_string(*e.max_scripts) : std::string("no cap")));
  out.push_back(std::string("CppCgiRequestBody: ") + (e.spool_unknown_length ? "spool" : "stream"));
  out.push_back(std::string("CppCgiErrorPage: ") + (e.error_page ? "On" : "Off"));
  out.push_back("CppCgiStderrLimit: " + std::to_string(e.stderr_limit) + " bytes");
  std::string sendable;
  for (const auto& p : e.xsendfile_paths) sendable += (sendable.empty() ? "" : " ") + p;
  out.push_back(std::string("CppCgiXSendFile: ") + (e.xsendfile ? "On" : "Off") +
                (e.xsendfile ? ", from " + (sendable.empty() ? std::string("no directory (CppCgiXSendFilePath)")
                                                               : sendable)
                             : std::string()));
  std::string modules;
  for (const auto& m : e.python_preload_modules) modules += " " + m;
  out.push_back(std::string("CppCgiPythonPreload: ") +
                (e.python_preload ? "On (python3 scripts start from a warm interpreter" +
                                        (modules.empty() ? std::string(")") : ", preloaded:" + modules + ")")
                                  : "Off"));
  return out;
}

}  // namespace cppcgi
