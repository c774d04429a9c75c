// mod_cgi's ScriptLog: a debugging log of scripts that failed, one entry per
// failure, in mod_cgi's format so existing habits and tools keep working:
//
//   %% [Wed Jun 19 10:53:21 1996] POST /cgi-bin/x.py?a=1 HTTP/1.1
//   %% 500 /usr/lib/cgi-bin/x.py
//   %request              (or %error and the reason, when it never ran)
//   Host: ...             request headers, then a blank line and the start
//                         of the body (ScriptLogBuffer bytes), if any
//   %response
//   ...                   why it failed
//   %stdout               what the script wrote before it failed, if anything
//   %stderr               the last lines of its stderr, if any
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cppcgi {

inline constexpr int64_t kDefaultScriptLogLength = 10385760;  // mod_cgi's default
inline constexpr int64_t kDefaultScriptLogBuffer = 1024;
// The most of a request body kept for an entry (mod_cgi has no bound: it
// allocates ScriptLogBuffer bytes per request, and a negative value breaks it).
inline constexpr int64_t kMaxScriptLogBuffer = 16 << 20;

struct ScriptLogHead {
  std::string time;          // as ctime(), e.g. "Wed Jun 19 10:53:21 1996"
  std::string method;
  std::string uri;           // path and "?query" if any
  std::string protocol;
  int status = 0;
  std::string filename;
};

struct ScriptLogRun {
  std::vector<std::pair<std::string, std::string>> request_headers;
  std::string body;                   // the first ScriptLogBuffer bytes of the request body
  std::string failure;                // why the response failed
  std::vector<std::string> stdout_lines;  // header lines the script sent before failing
  std::vector<std::string> stderr_lines;
};

// A script refused or never started (not found, a check failed, ...).
std::string FormatScriptLogError(const ScriptLogHead& head, std::string_view error);

// A script that ran and failed before its response started.
std::string FormatScriptLogRun(const ScriptLogHead& head, const ScriptLogRun& run);

// Whether another entry may be written: mod_cgi stops once the file is
// larger than ScriptLogLength.
inline bool ScriptLogHasRoom(int64_t file_size, int64_t limit) { return file_size <= limit; }

}  // namespace cppcgi
