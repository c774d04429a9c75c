// SPDX-License-Identifier: Apache-2.0
// What the status handler shows: a plain snapshot of the server-wide
// counters (taken from shared memory by proc/shared_stats) and its three
// renderings: the Prometheus text exposition format (0.0.4), JSON, and an
// HTML page; plus the short section added to mod_status's server-status.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cppcgi {

// Why a script that was allowed to run produced no usable response.
enum class FailureReason : uint8_t {
  kExecFailed = 0,       // the helper could not start it (execveat and friends)
  kNoHeaders = 1,        // output ended before the header section was complete
  kBadHeaders = 2,       // malformed or oversized header section
  kPoolUnreachable = 3,  // no helper answered
  kHelperFault = 4,      // a helper's answer was malformed or out of turn
};
inline constexpr size_t kFailureReasons = 5;
std::string_view FailureReasonName(FailureReason reason);

// Refusals are counted per check id (CPPCGI0300 + index).
inline constexpr size_t kCheckIds = 32;
// A stable label for check 300 + index ("world_writable", ...); empty if unused.
std::string_view CheckName(size_t index);

// Upper bounds (seconds) of the script wall-time histogram; +Inf is implied.
inline constexpr std::array<double, 14> kDurationBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                           1,     2.5,  5,     10,   30,  60,  300};
inline constexpr size_t kDurationBuckets = kDurationBounds.size() + 1;
// Index of the first bucket whose bound is >= the duration.
size_t DurationBucket(int64_t wall_us);

struct RunningScript {
  int32_t pid = 0;
  int32_t helper = 0;  // pid of the helper that started it
  uint32_t uid = 0;    // whom that helper runs as: User, or a SuexecUserGroup identity (CppCgiSuexec helpers)
  std::string request;  // "GET /cgi-bin/x.py?q"
  std::string client;
  double runtime_s = 0;
  bool warm = false;   // forked by a warm Python process (CppCgiPythonPreload), not exec'd
};

// A SuexecUserGroup identity with helpers of its own (CppCgiSuexec helpers).
struct IdentityPoolInfo {
  std::string user;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t helpers = 0;  // started for it (CppCgiSuexecHelpers)
};

struct StatsSnapshot {
  uint64_t scripts_started = 0;
  uint64_t exits_success = 0;  // exit status 0
  uint64_t exits_error = 0;    // non-zero exit status
  uint64_t exits_signal = 0;   // killed by a signal
  std::array<uint64_t, kFailureReasons> failures{};
  std::array<uint64_t, kCheckIds> refusals{};
  uint64_t timeouts_idle = 0;
  uint64_t timeouts_run_time = 0;
  uint64_t client_disconnects = 0;
  uint64_t helper_restarts = 0;
  uint64_t cap_rejections = 0;  // 503s from CppCgiMaxScripts / CppCgiMaxScriptsTotal
  uint64_t sendfile_responses = 0;  // files sent for X-Sendfile (CppCgiXSendFile)
  uint64_t python_warm_starts = 0;  // scripts forked by a warm Python process (CppCgiPythonPreload)
  uint32_t helpers_alive = 0;
  uint32_t scripts_running = 0;
  std::array<uint64_t, kDurationBuckets> duration_buckets{};  // not cumulative
  uint64_t duration_sum_us = 0;
  std::vector<RunningScript> running;
  std::vector<IdentityPoolInfo> identities;  // with the scripts of each in `running` (by uid)
};

// Prometheus text exposition format, version 0.0.4.
std::string RenderPrometheus(const StatsSnapshot& s);
std::string RenderJson(const StatsSnapshot& s);
std::string RenderHtml(const StatsSnapshot& s);
// For mod_status: `short_form` is the machine-readable "?auto" variant
// ("Key: value" lines); otherwise an HTML fragment.
std::string RenderStatusSection(const StatsSnapshot& s, bool short_form);

// A JSON string literal's contents (quotes, backslashes, control characters).
std::string JsonEscape(std::string_view in);

}  // namespace cppcgi
