// SPDX-License-Identifier: Apache-2.0
// What `cppcgi-doctor --config` learns from httpd itself: the doctor runs
// `httpd -f CONFIG -t` with CPPCGI_DOCTOR_SCRIPT set, and mod_cppcgi's
// test_config hook walks the configuration for that file exactly as a
// request would (<Directory>, <DirectoryMatch>, <Files>, .htaccess)
// and prints the result in this line format, which the doctor parses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace cppcgi {

inline constexpr std::string_view kDoctorReportPrefix = "cppcgi-doctor-report: ";
inline constexpr const char* kDoctorScriptEnv = "CPPCGI_DOCTOR_SCRIPT";

struct DoctorReport {
  std::string script;
  bool exec_cgi = false;         // Options ExecCGI in effect
  bool follow_symlinks = false;  // Options FollowSymLinks or SymLinksIfOwnerMatch
  std::string handler;           // from SetHandler; empty if none (AddHandler and ScriptAlias map by URL/extension)
  std::string user;              // the User scripts run as
  DirSettings settings;          // mod_cppcgi's merged per-directory settings
};

std::string FormatDoctorReport(const DoctorReport& report);
// Reads the report lines out of httpd's output (other lines are ignored).
StatusOr<DoctorReport> ParseDoctorReport(std::string_view output);
// The settings in plain words, one line each, unset ones with their defaults.
std::vector<std::string> DescribeDoctorReport(const DoctorReport& report);

}  // namespace cppcgi
