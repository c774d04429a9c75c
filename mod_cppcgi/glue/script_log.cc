// SPDX-License-Identifier: Apache-2.0
#include "glue/script_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "core/unique_fd.h"
#include "glue/server_config.h"

namespace cppcgi {
namespace {

ScriptLogSettings Settings(request_rec* r) { return ResolveScriptLog(GetServerConfig(r->server)->settings); }

ScriptLogHead Head(request_rec* r, int status) {
  char time_str[APR_CTIME_LEN];
  apr_ctime(time_str, apr_time_now());
  ScriptLogHead head;
  head.time = time_str;
  head.method = r->method ? r->method : "";
  head.uri = std::string(r->uri ? r->uri : "") + (r->args ? std::string("?") + r->args : std::string());
  head.protocol = r->protocol ? r->protocol : "";
  head.status = status;
  head.filename = r->filename ? r->filename : "";
  return head;
}

// One append of the whole entry, while the file is within ScriptLogLength.
// Any failure (no such directory, not writable, disk full) only loses the
// entry: the request is not affected.
void Append(request_rec* r, const std::string& entry) {
  ScriptLogSettings log = Settings(r);
  UniqueFd fd(::open(log.path->c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0640));
  if (!fd) return;
  struct stat st;
  if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && !ScriptLogHasRoom(st.st_size, log.length)) return;
  size_t off = 0;
  while (off < entry.size()) {
    ssize_t n = ::write(fd.get(), entry.data() + off, entry.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

int64_t ScriptLogBodyBytes(const ScriptLogSettings& log) {
  return log.path ? log.buffer : 0;
}

int64_t ScriptLogOutputBytes(const ScriptLogSettings& log) {
  // No entry can be written once the file is larger than ScriptLogLength.
  return log.path ? std::clamp<int64_t>(log.length, 0, kMaxScriptLogStream) : 0;
}

void ScriptLogError(request_rec* r, int status, std::string_view error) {
  if (!Settings(r).path) return;
  Append(r, FormatScriptLogError(Head(r, status), error));
}

void ScriptLogFailedRun(request_rec* r, int status, ScriptLogRun run) {
  if (!Settings(r).path) return;
  const apr_array_header_t* arr = apr_table_elts(r->headers_in);
  const auto* entries = reinterpret_cast<const apr_table_entry_t*>(arr->elts);
  for (int i = 0; i < arr->nelts; ++i) {
    if (entries[i].key == nullptr) continue;
    std::string value = entries[i].val ? entries[i].val : "";
    // Credentials stay out of a debug file (mod_cgi writes them as they came).
    if (strcasecmp(entries[i].key, "Authorization") == 0 || strcasecmp(entries[i].key, "Proxy-Authorization") == 0) {
      value = "(masked)";
    }
    run.request_headers.emplace_back(entries[i].key, std::move(value));
  }
  Append(r, FormatScriptLogRun(Head(r, status), run));
}

}  // namespace cppcgi
