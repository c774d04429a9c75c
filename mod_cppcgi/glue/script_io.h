// SPDX-License-Identifier: Apache-2.0
// One script run from the handler's side. A run goes through these steps:
//
//   1. start    (script_io.cc)        the script's pipes are made and handed,
//                                     with the file to execute, to a helper
//                                     (HelperSession), which starts it;
//   2. pump     (script_io.cc)        in full duplex, the request body goes to
//                                     its stdin (ScriptStdin) while its stderr
//                                     is logged (ScriptStderr) and its stdout
//                                     is read, within the run's deadlines
//                                     (core/run_deadlines.h), in three phases:
//        headers  the header section is framed (core/script_headers.h), then
//                 applied (script_headers_apply.h);
//        body     the response body goes to httpd's filters (ResponseOutput);
//        discard  a redirect, a 304, an error or an X-Sendfile file
//                 (xsendfile.h): the rest is read and dropped;
//   3. end      (script_run_end.cc)   what the request gets, the one line that
//                                     says why a run failed, the accounting.
//
// Response bytes go from the script's pipe straight to httpd's output
// filters; the helper never sees them.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/run_deadlines.h"
#include "core/script_headers.h"
#include "core/unique_fd.h"
#include "core/wire.h"
#include "core/failure.h"
#include "glue/body_spool.h"
#include "glue/helper_session.h"
#include "glue/httpd_includes.h"
#include "glue/response_output.h"
#include "glue/script_stderr.h"
#include "glue/script_stdin.h"

namespace cppcgi {

// What a run needs to know; the limits come from the request's
// EffectiveSettings (core/config.h), where their defaults are.
struct ScriptRunOptions {
  std::string socket_path;
  int64_t idle_timeout_ms = 0;
  int64_t max_run_time_ms = 0;  // 0: no limit
  int64_t stderr_limit = 0;     // bytes of stderr logged; 0: no limit
  bool nph = false;
  bool suexec = false;  // started through the suEXEC wrapper: its refusals are exit codes
  // SSI exec cmd: the raw output is appended here instead of being sent.
  apr_bucket_brigade* collect_into = nullptr;
  int64_t keep_body_bytes = 0;     // the start of the request body kept for ScriptLog
  // For ScriptLog: bytes of stdout (until the response starts) and of stderr kept; 0: none.
  int64_t keep_output_bytes = 0;
  // CppCgiXSendFile On: the directories X-Sendfile may send from (glue/xsendfile.h); null: Off.
  const std::vector<std::string>* xsendfile_paths = nullptr;
};

class ScriptRun {
 public:
  ScriptRun(request_rec* r, ScriptRunOptions options);
  ScriptRun(const ScriptRun&) = delete;
  ScriptRun& operator=(const ScriptRun&) = delete;

  // Returns an httpd status (OK when the response was produced).
  // Why the run failed (the text of the error-log line), empty if it did not.
  const std::string& failure() const { return failure_; }
  const std::deque<std::string>& stderr_tail() const { return stderr_.tail(); }
  std::string ExitDescription() const { return session_.exited() ? ExitText() : std::string(); }
  // For ScriptLog: the start of the request body (keep_body_bytes), and what
  // the script wrote to stdout before a response started, and to stderr
  // (keep_output_bytes of each).
  const std::string& body_head() const { return stdin_.head(); }
  const std::string& output_kept() const { return output_kept_; }
  const std::string& stderr_kept() const { return stderr_.kept(); }

  // `exec_fd`: the checked file to execute (binary or interpreter).
  // `body`: a request body read in advance (see body_spool.h), or not spooled.
  int Run(const wire::SpawnRequest& request, UniqueFd exec_fd, SpooledBody body);

 private:
  enum class Phase { kHeaders, kBody, kDiscard };
  enum class Step { kContinue, kStop };

  int Start(const wire::SpawnRequest& request, UniqueFd exec_fd);
  // Connects, passes the pipes and exec_fd, and waits for the helper's first answer.
  StatusOr<wire::Message> Handoff(const std::string& frame, int exec_fd, int stdin_file);
  int Pump();
  Step ReadStdout();
  // The final header section is complete: the response's status, headers
  // and what follows (script_headers_apply.h), and the output's hold.
  void OnHeaders();
  int Finish();
  // A script the suEXEC wrapper refused (no output, one of its exit codes):
  // logs why and answers 500; OK otherwise.
  int SuexecRefused();
  // CollectExit for a short grace; a script still running then is ended.
  void CollectExitOrEnd();
  // A helper that broke the protocol (see HelperSession::Distrust), and the run's failure text for it.
  void HelperFault(const std::string& what);
  // After a session call: if the helper broke the protocol, that is the run's failure.
  void NoteHelperFault();
  // What the request gets after a HelperFault(): 502, or a cut-off response.
  int EndAfterHelperFault();
  std::string ExitText() const;
  // Appends what fits of `data` to a ScriptLog copy (keep_output_bytes).
  void KeepForLog(std::string* kept, std::string_view data) const;
  // Where the run is, for its deadlines (core/run_deadlines.h).
  RunMoment Moment(int64_t quiet_ms) const;
  // Records a failure (glue/failure_report.h); the first one is the run's
  // failure(). Returns `status`, or the fault's HTTP status if it is 0.
  int Fail(Fault fault, std::string text, int status = 0);
  void SetNotes();

  request_rec* r_;
  conn_rec* c_;
  ScriptRunOptions opt_;
  RunLimits limits_;
  int client_fd_ = -1;            // HTTP/1 client socket, watched for a reset or an error
  // An HTTP/2 stream has no socket of its own to watch: mod_http2 sets
  // c->aborted when the client resets it (or the connection ends), and a
  // wait is cut into slices so that the flag is looked at between them.
  bool watch_stream_ = false;
  bool in_slice_ = false;         // the last wait was a slice that ended quietly
  apr_time_t quiet_since_ = 0;    // when the current quiet stretch began
  apr_time_t started_ = 0;
  apr_time_t first_byte_ = 0;
  apr_time_t header_clock_ = 0;   // header-phase deadline base: start, or last body write

  HelperSession session_;
  pid_t pid_ = 0;
  bool stdout_grown_ = false;  // see kGrownPipeSize

  ScriptStdin stdin_;
  UniqueFd stdout_r_;
  ScriptStderr stderr_;
  Phase phase_ = Phase::kHeaders;
  ScriptHeaderFramer framer_;
  ResponseOutput output_;
  int final_status_ = OK;         // what Run() returns after discarding output
  const char* local_redirect_ = nullptr;
  const char* sendfile_path_ = nullptr;  // X-Sendfile: the file to send once the script is done
  bool timed_out_ = false;
  bool over_run_time_ = false;
  int interim_count_ = 0;
  std::string failure_;
  std::string output_kept_;          // stdout before the response started, for ScriptLog
};

}  // namespace cppcgi
