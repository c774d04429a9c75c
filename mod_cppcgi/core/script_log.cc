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
  // The body as it came (mod_cgi writes it raw too): after a blank line.
  if (!run.body.empty()) out += "\n" + run.body + "\n";
  out += "%response\n" + OneLine(run.failure) + "\n";
  if (!run.stdout_lines.empty()) {
    out += "%stdout\n";
    for (const auto& line : run.stdout_lines) out += OneLine(line) + "\n";
  }
  if (!run.stderr_lines.empty()) {
    out += "%stderr\n";
    for (const auto& line : run.stderr_lines) out += OneLine(line) + "\n";
  }
  return out;
}

}  // namespace cppcgi
