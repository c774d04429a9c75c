// SPDX-License-Identifier: Apache-2.0
// mod_cgi's ScriptLog: a debugging log of scripts that failed, one entry per
// failure, in mod_cgi's format so existing habits and tools keep working:
//
//   %% [Wed Jun 19 10:53:21 1996] POST /cgi-bin/x.py?a=1 HTTP/1.1
//   %% 500 /usr/lib/cgi-bin/x.py
//   %request              (or %error and the reason, when it never ran)
//   Host: ...             request headers, then for a POST or PUT a blank
//                         line and the start of the body (ScriptLogBuffer
//                         bytes, up to a NUL byte), if any
//   %response
//   ...                   why it failed
//   %stdout               everything the script wrote to stdout, if anything
//   %stderr               everything it wrote to stderr, if anything
//
// As in mod_cgi, the script's output is written as it came, so that entries
// are as large as mod_cgi's and a log fills as it does; the one change is
// that a line of it that starts with '%' gets a space before it, so that it
// cannot pass for an entry's or a section's first line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cppcgi {

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

// What one stream of a failed script's output may add to an entry, at most
// (mod_cgi has no bound; the file's ScriptLogLength is still the limit).
inline constexpr int64_t kMaxScriptLogStream = 16 << 20;

struct ScriptLogRun {
  std::vector<std::pair<std::string, std::string>> request_headers;
  std::string body;         // the first ScriptLogBuffer bytes of the request body
  std::string failure;      // why the response failed
  std::string stdout_text;  // what the script wrote to stdout, as it came
  std::string stderr_text;  // what it wrote to stderr: its lines, each with its \n
};

// A script refused or never started (not found, a check failed, ...).
std::string FormatScriptLogError(const ScriptLogHead& head, std::string_view error);

// A script that ran and failed before its response started.
std::string FormatScriptLogRun(const ScriptLogHead& head, const ScriptLogRun& run);

// Whether another entry may be written: mod_cgi stops once the file is
// larger than ScriptLogLength.
inline bool ScriptLogHasRoom(int64_t file_size, int64_t limit) { return file_size <= limit; }

}  // namespace cppcgi
