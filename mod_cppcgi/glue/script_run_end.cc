// SPDX-License-Identifier: Apache-2.0
// How a script run ends: what the request gets (a status, or a response
// completed or cut off), the one error-log line that says why when it
// failed, the accounting notes for mod_log_config, and the helper's
// connection kept or dropped (dropping it ends the script's tree).
#include <signal.h>
#include <sys/wait.h>

#include <string>

#include "core/exit_status.h"
#include "core/log_ids.h"
#include "core/suexec.h"
#include "glue/failure_report.h"
#include "glue/script_io.h"
#include "glue/xsendfile.h"

namespace cppcgi {
namespace {

// After the output ended: how long the script has to exit before it is ended.
constexpr int kExitGraceMs = 2000;

}  // namespace

void ScriptRun::SetNotes() {
  // For mod_log_config: %{cppcgi-status}n %{cppcgi-wall-us}n ...
  apr_table_t* n = r_->notes;
  if (session_.exited()) {
    const wire::Exited& exit = session_.exit_report();
    int ws = exit.wait_status;
    apr_table_setn(n, "cppcgi-status",
                   WIFSIGNALED(ws) ? apr_psprintf(r_->pool, "signal:%d", WTERMSIG(ws))
                                   : apr_psprintf(r_->pool, "exit:%d", WEXITSTATUS(ws)));
    apr_table_setn(n, "cppcgi-wall-us", apr_psprintf(r_->pool, "%" APR_INT64_T_FMT, exit.wall_us));
    apr_table_setn(n, "cppcgi-user-us", apr_psprintf(r_->pool, "%" APR_INT64_T_FMT, exit.user_us));
    apr_table_setn(n, "cppcgi-sys-us", apr_psprintf(r_->pool, "%" APR_INT64_T_FMT, exit.sys_us));
    apr_table_setn(n, "cppcgi-maxrss-kb", apr_psprintf(r_->pool, "%" APR_INT64_T_FMT, exit.max_rss_kb));
  }
  if (pid_ != 0) apr_table_setn(n, "cppcgi-pid", apr_psprintf(r_->pool, "%ld", static_cast<long>(pid_)));
  if (first_byte_ != 0)
    apr_table_setn(n, "cppcgi-ttfb-us", apr_psprintf(r_->pool, "%" APR_TIME_T_FMT, first_byte_ - started_));
}

void ScriptRun::CollectExitOrEnd() {
  session_.CollectExit(kExitGraceMs);
  NoteHelperFault();
  if (session_.exited() || !session_.connected()) return;
  // Its output is over but it runs on (e.g. it closed stdout and sleeps):
  // closing the connection makes the helper end its tree, as mod_cgi's
  // request-pool cleanup would.
  ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r_,
                CPPCGI_LINGERING "script %s (pid %ld) was still running %d ms after its output ended; ending it",
                r_->filename, static_cast<long>(pid_), kExitGraceMs);
  apr_table_setn(r_->notes, "cppcgi-status", "lingering");
  session_.Drop();
}



int ScriptRun::Fail(Fault fault, std::string text, int status) {
  int fault_status = RecordFailure(r_, fault, text);
  if (failure_.empty()) failure_ = std::move(text);
  return status != 0 ? status : fault_status;
}

void ScriptRun::HelperFault(const std::string& what) {
  session_.Distrust(what);
  NoteHelperFault();
}

void ScriptRun::NoteHelperFault() {
  if (session_.faulted() && failure_.empty()) failure_ = session_.fault();
}

// After HelperFault(): nothing of the script's outcome can be vouched for.
int ScriptRun::EndAfterHelperFault() {
  SetNotes();
  apr_table_setn(r_->notes, "cppcgi-status", "helper-fault");
  if (phase_ != Phase::kBody || opt_.collect_into != nullptr) return HTTP_BAD_GATEWAY;
  // Headers may be out: the client must not take the response for complete.
  output_.CutOff();
  return OK;
}

#ifdef AP_LOG_EXEC
constexpr const char* kSuexecLog = AP_LOG_EXEC;
#else
constexpr const char* kSuexecLog = "suEXEC's log";
#endif

// The wrapper writes nothing to stdout and stderr when it refuses; its exit
// status says why (its own log has the details).
int ScriptRun::SuexecRefused() {
  if (!opt_.suexec || !session_.exited() || framer_.bytes_seen() != 0 || !WIFEXITED(session_.exit_report().wait_status))
    return OK;
  int code = WEXITSTATUS(session_.exit_report().wait_status);
  std::optional<std::string> reason = SuexecExitReason(code);
  if (!reason) return OK;
  stderr_.DropSuexecNotice();  // the wrapper's line: this one replaces it
  return Fail(Fault::kSuexecRefused, std::string("the suEXEC wrapper refused to run ") + r_->filename + ": " +
                                         *reason + " (exit status " + std::to_string(code) + "; details in " +
                                         kSuexecLog + ")");
}

std::string ScriptRun::ExitText() const {
  if (!session_.exited()) return "still running";
  return DescribeWaitStatus(session_.exit_report().wait_status);
}

int ScriptRun::Finish() {
  stdin_.Close();
  if (output_.gone() != nullptr) {
    apr_table_setn(r_->notes, "cppcgi-status", "client-gone");
    // Before the headers nothing was sent: the log must not show a success.
    // 400, as httpd logs a client that vanishes while sending its body.
    int status = RecordFailure(r_, Fault::kClientGone,
                               std::string("client is gone (") + output_.gone() + "); ending script " + r_->filename +
                                   " (pid " + std::to_string(pid_) + ")");
    session_.Drop();  // the helper ends the script's process group
    c_->keepalive = AP_CONN_CLOSE;
    if (phase_ == Phase::kBody) return OK;  // the status went out with the headers
    return final_status_ != OK ? final_status_ : status;
  }
  if (stdin_.error() != OK) {
    session_.Drop();
    if (phase_ == Phase::kBody) {
      output_.ReleaseHeld();
      c_->keepalive = AP_CONN_CLOSE;
      return OK;
    }
    return stdin_.error();
  }
  if (session_.faulted()) return EndAfterHelperFault();
  if (timed_out_ || over_run_time_) {
    std::string ran = std::to_string(apr_time_as_msec(apr_time_now() - started_));
    std::string script = std::string("script ") + r_->filename + " (pid " + std::to_string(pid_) + ")";
    const char* ending = "; sending SIGTERM to its process tree, SIGKILL after 3 s";
    int status;
    if (over_run_time_) {
      status = Fail(Fault::kRunTime, script + " ran " + ran + " ms, over CppCgiMaxRunTime (" +
                                         std::to_string(opt_.max_run_time_ms) + " ms)" + ending);
    } else {
      status = Fail(Fault::kIdleTimeout,
                    script + (phase_ == Phase::kHeaders && framer_.bytes_seen() > 0 ? " did not finish its headers within "
                                                                                    : " produced no output for ") +
                        std::to_string(opt_.idle_timeout_ms) + " ms (CppCgiIdleTimeout; ran " + ran +
                        " ms)" + ending);
    }
    apr_table_setn(r_->notes, "cppcgi-status", timed_out_ ? "idle-timeout" : "run-time-limit");
    session_.Drop();
    if (phase_ == Phase::kBody) {
      output_.CutOff();  // headers are out: the response must not look complete
      return OK;
    }
    return status;
  }

  if (phase_ == Phase::kHeaders) {
    // Output ended before the blank line that ends the header section.
    CollectExitOrEnd();
    if (session_.faulted()) return EndAfterHelperFault();
    SetNotes();
    if (int status = SuexecRefused(); status != OK) return status;
    // Both as httpd words them (AH01215), the file and how the script ended.
    return Fail(Fault::kNoHeaders,
                framer_.bytes_seen() == 0
                    ? std::string("End of script output before headers: ") + r_->filename + " (the script " +
                          ExitText() + " without writing anything to stdout)"
                    : std::string("Premature end of script headers: ") + r_->filename + " (the script " +
                          ExitText() + " before the blank line that ends the headers)");
  }

  // Before the response is marked complete: how did the script end?
  CollectExitOrEnd();
  if (session_.faulted()) return EndAfterHelperFault();
  bool crashed = session_.exited() && WIFSIGNALED(session_.exit_report().wait_status) && !opt_.nph;
  if (phase_ == Phase::kBody && opt_.collect_into == nullptr) {
    if (crashed) {
      // Killed mid-response: what was sent may be cut short, so the client
      // must not take it for complete (no last chunk; the connection closes).
      Fail(Fault::kKilledAfterHeaders, std::string("script ") + r_->filename + " (pid " + std::to_string(pid_) +
                                           ") " + ExitText() + " after sending its headers; the response is cut off");
      output_.CutOff();
    } else {
      output_.End();
    }
  }
  SetNotes();
  if (session_.exited()) {
    const wire::Exited& exit = session_.exit_report();
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r_,
                  CPPCGI_SCRIPT_EXIT "script %s (pid %ld) %s after %" APR_INT64_T_FMT " us (user %" APR_INT64_T_FMT
                  " us, sys %" APR_INT64_T_FMT " us, max rss %" APR_INT64_T_FMT " kB)",
                  r_->filename, static_cast<long>(pid_), ExitText().c_str(), exit.wall_us, exit.user_us,
                  exit.sys_us, exit.max_rss_kb);
  }
  session_.Release();
  if (phase_ == Phase::kBody) return OK;

  // kDiscard: a redirect, a 304, a header error, or X-Sendfile; output has been read to the end.
  if (sendfile_path_ != nullptr) {
    SendfileOutcome sent = SendNamedFile(r_, sendfile_path_, *opt_.xsendfile_paths);
    if (sent.fault) return Fail(*sent.fault, std::move(sent.text));
    return sent.status;
  }
  if (local_redirect_ != nullptr) {
    r_->method = "GET";
    r_->method_number = M_GET;
    // The body was consumed here; the redirected request must not expect one.
    apr_table_unset(r_->headers_in, "Content-Length");
    ap_internal_redirect_handler(local_redirect_, r_);
    return OK;
  }
  return final_status_;
}

}  // namespace cppcgi
