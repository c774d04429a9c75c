// SPDX-License-Identifier: Apache-2.0
#include "core/script_log.h"

namespace cppcgi {
namespace {

// One line per value: a CR or LF inside one (a header value, stderr text)
// would start a line of the log's own syntax.
std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

// Output as it came, except that a line starting with '%' gets a space
// before it: it cannot pass for the log's own syntax.
std::string Guarded(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  bool line_start = true;
  for (char c : s) {
    if (line_start && c == '%') out.push_back(' ');
    out.push_back(c);
    line_start = c == '\n' || c == '\r';
  }
  return out;
}

std::string Head(const ScriptLogHead& h) {
  return "%% [" + h.time + "] " + OneLine(h.method) + " " + OneLine(h.uri) + " " + OneLine(h.protocol) + "\n%% " +
         std::to_string(h.status) + " " + OneLine(h.filename) + "\n";
}

}  // namespace

std::string FormatScriptLogError(const ScriptLogHead& head, std::string_view error) {
  return Head(head) + "%error\n" + OneLine(error) + "\n";
}

std::string FormatScriptLogRun(const ScriptLogHead& head, const ScriptLogRun& run) {
  std::string out = Head(head) + "%request\n";
  for (const auto& [name, value] : run.request_headers) out += OneLine(name) + ": " + OneLine(value) + "\n";
  // The body of a POST or PUT, as mod_cgi writes it: after a blank line, up
  // to a NUL byte (it writes it as a C string).
  if (head.method == "POST" || head.method == "PUT") {
    std::string_view body(run.body);
    body = body.substr(0, body.find('\0'));
    if (!body.empty()) out += "\n" + Guarded(body) + "\n";
  }
  out += "%response\n" + OneLine(run.failure) + "\n";
  // As mod_cgi: each stream as it came, then a line break.
  if (!run.stdout_text.empty()) out += "%stdout\n" + Guarded(run.stdout_text) + "\n";
  if (!run.stderr_text.empty()) out += "%stderr\n" + Guarded(run.stderr_text) + "\n";
  return out;
}

}  // namespace cppcgi
