#include "glue/script_io.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <strings.h>

#include <cerrno>
#include <cstring>

#include "core/exit_status.h"
#include "core/log_ids.h"
#include "core/run_deadlines.h"
#include "core/suexec.h"
#include "glue/pool_supervisor.h"
#include "glue/script_headers_apply.h"
#include "proc/idle_connection.h"
#include "proc/process_tree.h"
#include "proc/shared_stats.h"

namespace cppcgi {
namespace {


constexpr size_t kReadChunk = 65536;
// A script that fills its stdout pipe (Linux's default is 64 KiB, one read of
// kReadChunk) writes faster than the response drains it; the pipe then grows
// to this, so that the script and the worker take turns half as often. On a
// 1 MiB response: 1-5 % more requests/s at c=8, 4-5 % at c=32, 2-3 % fewer
// at c=1; 256 KiB and more cost more at c=1 (tests/bench/ANALYSIS.md).
constexpr int kGrownPipeSize = 128 * 1024;
// After the output ended: how long the script has to exit before it is ended.
constexpr int kExitGraceMs = 2000;
// Output held back for a Range request, at most (beyond it: 200, streamed).
constexpr size_t kRangeHoldLimit = 8u << 20;
// A response that is complete (the script has exited) within this long after
// its header section, and no longer than this, reaches httpd's filters whole:
// it gets a Content-Length (so HTTP/1.0 keep-alive, and HEAD, work as with
// mod_cgid when its output is ready at once) and goes out in one write.
// Output that is still coming then is streamed.
constexpr apr_interval_time_t kSettleTime = apr_time_from_msec(20);
constexpr size_t kSettleLimit = 65536;
constexpr apr_off_t kBodyChunk = 65536;

}  // namespace

int NullInput() {
  static const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd;
}

ScriptRun::ScriptRun(request_rec* r, ScriptRunOptions options)
    : r_(r),
      c_(r->connection),
      opt_(std::move(options)),
      limits_{opt_.idle_timeout_ms, opt_.max_run_time_ms},
      session_(r, opt_.socket_path),
      stderr_(r, opt_.stderr_limit, opt_.keep_output_bytes, opt_.suexec),
      output_(r, opt_.collect_into) {
  // On an HTTP/1 connection, a client whose connection is reset or fails is
  // seen even while the script is silent. (HTTP/2 streams share one socket:
  // not watched here.)
  if (c_->master == nullptr) {
    apr_socket_t* sock = ap_get_conn_socket(c_);
    apr_os_sock_t fd;
    if (sock != nullptr && apr_os_sock_get(&fd, sock) == APR_SUCCESS) client_fd_ = fd;
  } else {
    watch_stream_ = true;  // an HTTP/2 stream: see Pump
  }
}

RunMoment ScriptRun::Moment(int64_t quiet_ms) const {
  RunMoment m;
  m.now_us = apr_time_now();
  m.started_us = started_;
  m.header_clock_us = header_clock_;
  m.quiet_ms = quiet_ms;
  m.in_headers = phase_ == Phase::kHeaders;
  m.output_over = session_.exited() || !stdout_r_;
  m.stream = watch_stream_;
  m.hold_until_us = output_.hold_until();
  return m;
}

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

void ScriptRun::KeepBodyHead(std::string_view data) {
  size_t limit = static_cast<size_t>(opt_.keep_body_bytes);
  if (body_head_.size() < limit) body_head_.append(data.substr(0, limit - body_head_.size()));
}

void ScriptRun::KeepForLog(std::string* kept, std::string_view data) const {
  size_t limit = static_cast<size_t>(opt_.keep_output_bytes);
  if (kept->size() < limit) kept->append(data.substr(0, limit - kept->size()));
}

int ScriptRun::Run(const wire::SpawnRequest& request, UniqueFd exec_fd, SpooledBody body) {
  spool_file_ = std::move(body.file);
  if (spool_file_ && opt_.keep_body_bytes > 0) {
    std::string head(static_cast<size_t>(opt_.keep_body_bytes), '\0');
    ssize_t n = ::pread(spool_file_.get(), head.data(), head.size(), 0);
    if (n > 0) KeepBodyHead(std::string_view(head.data(), static_cast<size_t>(n)));
  }
  if (body.spooled) {
    body_done_ = true;  // nothing more to read from the client
    KeepBodyHead(body.memory);
    pending_in_ = std::move(body.memory);
  } else if (HasNoRequestBody(r_)) {
    body_done_ = true;  // stdin is /dev/null: no pipe to feed
  }
  int status = Start(request, std::move(exec_fd));
  spool_file_.reset();  // the script has its own descriptor of it now
  if (status != OK) return status;
  if (body.spooled && pending_in_.empty()) stdin_w_.reset();  // EOF at once (or stdin is the file)
  in_bb_ = apr_brigade_create(r_->pool, c_->bucket_alloc);
  if (opt_.collect_into != nullptr) {
    phase_ = Phase::kBody;  // raw output, no header section
    body_done_ = true;      // the page's request body is not the command's:
    stdin_w_.reset();       // the command reads EOF
  } else if (opt_.nph) {
    // Non-parsed headers: the script speaks HTTP itself; bypass the protocol filters.
    r_->output_filters = r_->proto_output_filters = c_->output_filters;
    phase_ = Phase::kBody;
  }
  return Pump();
}

int ScriptRun::Start(const wire::SpawnRequest& request, UniqueFd exec_fd) {
  started_ = apr_time_now();
  header_clock_ = started_;
  if (opt_.socket_path.empty()) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_, CPPCGI_POOL_UNREACHABLE "no helper pool is running; cannot run %s",
                  r_->filename);
    CountFailure(PoolStats(), FailureReason::kPoolUnreachable);
    return HTTP_SERVICE_UNAVAILABLE;
  }
  auto frame = wire::Encode(request);
  if (!frame.ok()) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_, CPPCGI_SPAWN_FAILED "cannot prepare to run %s: %s", r_->filename,
                  frame.status().ToString().c_str());
    CountFailure(PoolStats(), FailureReason::kExecFailed);
    return HTTP_INTERNAL_SERVER_ERROR;
  }
  // A connection reset before the helper answered means it never read the
  // request (a helper that stopped accepting, or died, with it queued): the
  // script was not started, so one more try on another helper is safe. A
  // clean EOF could come after a start, so it is never retried.
  StatusOr<wire::Message> reply = Status(Code::kUnavailable, "not tried");
  // A spooled body file is the script's stdin itself; no body at all: /dev/null.
  int stdin_file = spool_file_ ? spool_file_.get() : body_done_ && pending_in_.empty() ? NullInput() : -1;
  for (int attempt = 0; attempt < 2; ++attempt) {
    reply = Handoff(*frame, exec_fd.get(), stdin_file);
    if (reply.ok() || reply.status().sys_errno() != ECONNRESET) break;
  }
  exec_fd.reset();
  if (!reply.ok() && IsPeerFault(reply.status())) {
    HelperFault(reply.status().ToString());
    return HTTP_BAD_GATEWAY;
  }
  if (!reply.ok()) {
    // Silence after the helper had the request (it died, or is stopped) is
    // not retried: the script may have started, and could run twice.
    bool taken = session_.request_sent() && reply.status().sys_errno() != ECONNRESET;
    std::string why = reply.status().ToString();
    if (taken) {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_,
                    CPPCGI_POOL_UNREACHABLE "the helper did not say whether it started %s (%s); not retried, since "
                    "the script may have started (httpd's parent ends the scripts of a helper that dies)",
                    r_->filename, why.c_str());
    } else {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_, CPPCGI_POOL_UNREACHABLE "cannot hand %s to a helper: %s",
                    r_->filename, why.c_str());
    }
    CountFailure(PoolStats(), FailureReason::kPoolUnreachable);
    Failed(taken ? "the helper process went silent after taking the request: " + why
                 : "no helper process could be reached to start the script: " + why);
    return HTTP_SERVICE_UNAVAILABLE;
  }
  if (const auto* failed = std::get_if<wire::SpawnFailed>(&*reply); failed != nullptr && failed->busy) {
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r_, CPPCGI_BUSY "not starting %s: %s already run; answering 503",
                  r_->filename, failed->what.c_str());
    if (SharedStats* stats = PoolStats()) Bump(stats->busy_refusals);
    apr_table_setn(r_->err_headers_out, "Retry-After", "1");
    return HTTP_SERVICE_UNAVAILABLE;
  }
  if (const auto* failed = std::get_if<wire::SpawnFailed>(&*reply)) {
    std::string why = Status::System(failed->what, failed->sys_errno).ToString();
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_, CPPCGI_SPAWN_FAILED "%s", why.c_str());
    CountFailure(PoolStats(), FailureReason::kExecFailed);
    Failed(why);
    return HTTP_INTERNAL_SERVER_ERROR;
  }
  const auto* started = std::get_if<wire::Started>(&*reply);
  if (started == nullptr) {
    HelperFault(std::holds_alternative<wire::Exited>(*reply) ? "an exit report where the start report was due"
                                                             : "a spawn request where the start report was due");
    return HTTP_BAD_GATEWAY;
  }
  pid_ = started->pid;
  // Our pipe ends are fresh, with no other status flag: set, no need to get.
  for (int fd : {stdin_w_.get(), stdout_r_.get(), stderr_.fd()}) {
    if (fd >= 0) (void)::fcntl(fd, F_SETFL, O_NONBLOCK);
  }
  return OK;
}

StatusOr<wire::Message> ScriptRun::Handoff(const std::string& frame, int exec_fd, int stdin_file) {
  StatusOr<FdPair> in = FdPair{};
  if (stdin_file < 0) in = MakePipe();
  if (!in.ok()) return in.status();
  auto out = MakePipe();
  if (!out.ok()) return out.status();
  auto err = MakePipe();
  if (!err.ok()) return err.status();
  // stdin_file (a spooled body, /dev/null) is the script's stdin itself; otherwise a pipe we feed.
  int script_ends[] = {stdin_file >= 0 ? stdin_file : in->first.get(), out->second.get(), err->second.get(), exec_fd};
  StatusOr<wire::Message> reply = session_.Send(frame, script_ends);
  // The script's ends now live in the helper (and the script); ours close here.
  if (stdin_file < 0) stdin_w_ = std::move(in->second);
  stdout_r_ = std::move(out->first);
  stderr_.Attach(std::move(err->first));
  return reply;
}


ScriptRun::Step ScriptRun::FillFromClient() {
  if (!stdin_w_ || body_done_ || pending_off_ < pending_in_.size()) return Step::kContinue;
  pending_in_.clear();
  pending_off_ = 0;
  apr_status_t rv = ap_get_brigade(r_->input_filters, in_bb_, AP_MODE_READBYTES, APR_BLOCK_READ, kBodyChunk);
  if (rv != APR_SUCCESS) {
    body_error_ = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r_, CPPCGI_BODY_READ "reading the request body for %s failed",
                  r_->filename);
    apr_brigade_cleanup(in_bb_);
    return Step::kStop;
  }
  for (apr_bucket* b = APR_BRIGADE_FIRST(in_bb_); b != APR_BRIGADE_SENTINEL(in_bb_); b = APR_BUCKET_NEXT(b)) {
    if (APR_BUCKET_IS_EOS(b)) {
      body_done_ = true;
      break;
    }
    const char* data;
    apr_size_t len;
    if (apr_bucket_read(b, &data, &len, APR_BLOCK_READ) == APR_SUCCESS) {
      pending_in_.append(data, len);
      KeepBodyHead(std::string_view(data, len));
    }
  }
  apr_brigade_cleanup(in_bb_);
  if (body_done_ && pending_in_.empty()) stdin_w_.reset();  // EOF on the script's stdin
  return Step::kContinue;
}

ScriptRun::Step ScriptRun::WriteToScript() {
  while (pending_off_ < pending_in_.size()) {
    ssize_t n = ::write(stdin_w_.get(), pending_in_.data() + pending_off_, pending_in_.size() - pending_off_);
    if (n > 0) {
      pending_off_ += static_cast<size_t>(n);
      header_clock_ = apr_time_now();  // the body moving on is progress
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return Step::kContinue;
    // EPIPE: the script does not want (the rest of) the body. That is its right
    // (RFC 3875 §4.2); httpd discards the rest of the request body later.
    stdin_w_.reset();
    pending_in_.clear();
    pending_off_ = 0;
    return Step::kContinue;
  }
  if (body_done_) stdin_w_.reset();
  return Step::kContinue;
}



void ScriptRun::OnHeaders() {
  HeaderOutcome outcome = ApplyScriptHeaders(r_, framer_.lines());
  if (!outcome.failure.empty()) Failed(outcome.failure);
  if (!outcome.body) {
    phase_ = Phase::kDiscard;  // the rest of the output is read and dropped
    final_status_ = outcome.final_status;
    local_redirect_ = outcome.local_redirect;
    return;
  }
  phase_ = Phase::kBody;
  if (r_->main == nullptr) {
    if (r_->method_number == M_GET && apr_table_get(r_->headers_in, "Range") != nullptr) {
      output_.Hold(kRangeHoldLimit, 0);  // for the byterange filter, to the end
    } else {
      output_.Hold(kSettleLimit, apr_time_now() + kSettleTime);
    }
  }
}

ScriptRun::Step ScriptRun::ReadStdout() {
  char buf[kReadChunk];
  for (;;) {
    ssize_t n = ::read(stdout_r_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return Step::kContinue;
    if (n <= 0) {
      stdout_r_.reset();
      return Step::kContinue;
    }
    std::string_view chunk(buf, static_cast<size_t>(n));
    if (static_cast<size_t>(n) == sizeof buf && !stdout_grown_) {
      stdout_grown_ = true;
      // Best effort: refused (EPERM) once httpd's user has used up its pipe
      // quota (fs.pipe-user-pages-soft), and the pipe stays as it is.
      (void)::fcntl(stdout_r_.get(), F_SETPIPE_SZ, kGrownPipeSize);
    }
    if (first_byte_ == 0) first_byte_ = apr_time_now();
    // Until a response starts, the run may still fail: ScriptLog shows what it wrote.
    if (phase_ != Phase::kBody && opt_.keep_output_bytes > 0) KeepForLog(&output_kept_, chunk);
    while (phase_ == Phase::kHeaders) {
      size_t used = framer_.Feed(chunk);
      chunk.remove_prefix(used);
      if (framer_.state() == ScriptHeaderFramer::State::kError) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_, CPPCGI_BAD_HEADERS "bad header section from script %s: %s",
                      r_->filename, framer_.error().message().c_str());
        CountFailure(PoolStats(), FailureReason::kBadHeaders);
        Failed("bad header section from the script: " + framer_.error().message());
        phase_ = Phase::kDiscard;
        final_status_ = HTTP_INTERNAL_SERVER_ERROR;
      } else if (framer_.state() == ScriptHeaderFramer::State::kComplete) {
        if (int code = InterimStatus(framer_.lines()); code != 0) {
          if (std::string refused = SendInterimResponse(r_, framer_.lines(), code, &interim_count_);
              !refused.empty()) {
            Failed(refused);
            phase_ = Phase::kDiscard;
            final_status_ = HTTP_INTERNAL_SERVER_ERROR;
            break;
          }
          framer_ = ScriptHeaderFramer();  // the final header section follows
          continue;
        }
        OnHeaders();
      }
      break;
    }
    if (phase_ == Phase::kBody && !output_.Pass(chunk.data(), chunk.size())) return Step::kStop;
    // A short read emptied the pipe: poll says when there is more (no read just for EAGAIN).
    if (static_cast<size_t>(n) < sizeof buf) return Step::kContinue;
  }
}

int ScriptRun::Pump() {
  while (stdout_r_ || stderr_.open()) {
    if (watch_stream_ && c_->aborted) {
      output_.ClientGone("its HTTP/2 stream was reset or its connection closed");
      break;
    }
    if (FillFromClient() == Step::kStop) break;
    if (phase_ == Phase::kHeaders && stdout_r_ && HeaderTimeLeftMs(limits_, Moment(0)) <= 0) {
      timed_out_ = true;
      break;
    }
    pollfd fds[5];  // stdin, stdout, stderr, the client socket, the helper connection
    nfds_t n = 0;
    int in_idx = -1, out_idx = -1, err_idx = -1, client_idx = -1;
    if (stdin_w_ && pending_off_ < pending_in_.size()) {
      in_idx = static_cast<int>(n);
      fds[n++] = {stdin_w_.get(), POLLOUT, 0};
    }
    if (stdout_r_) {
      out_idx = static_cast<int>(n);
      fds[n++] = {stdout_r_.get(), POLLIN, 0};
    }
    if (stderr_.open()) {
      err_idx = static_cast<int>(n);
      fds[n++] = {stderr_.fd(), POLLIN, 0};
    }
    // Only once the body is in: until then the socket is busy carrying it.
    // No event is asked for: poll reports POLLHUP and POLLERR anyway, and
    // those are all that say the client is gone (a reset, or an error). An
    // end of file (POLLRDHUP, a FIN) is not: a client that half-closes after
    // its request is still reading, and a client that closed its socket
    // sends the same FIN. Such a client resets the connection when the
    // response reaches it, and that is seen; until then the script runs, and
    // its idle and run-time limits apply.
    if (client_fd_ >= 0 && (body_done_ || !stdin_w_)) {
      client_idx = static_cast<int>(n);
      fds[n++] = {client_fd_, 0, 0};
    }
    // The helper reports the script's exit here (kExited).
    int helper_idx = -1;
    if (session_.fd() >= 0) {
      helper_idx = static_cast<int>(n);
      fds[n++] = {session_.fd(), POLLIN, 0};
    }
    // An HTTP/2 stream waits in slices, looking at c->aborted between them:
    // its quiet stretch can span several.
    int64_t quiet_ms = 0;
    if (watch_stream_) {
      apr_time_t now = apr_time_now();
      if (!in_slice_) quiet_since_ = now;
      quiet_ms = apr_time_as_msec(now - quiet_since_);
    }
    Wait wait = PlanWait(limits_, Moment(quiet_ms));
    // With output passed on but not flushed, first look whether more is
    // ready; otherwise there is nothing to flush and we can wait at once.
    int ready = output_.unflushed() ? ::poll(fds, n, 0) : 0;
    if (ready == 0) {
      output_.Flush();  // about to wait for the script: let the client see what we have
      if (output_.gone() != nullptr) break;
      ready = ::poll(fds, n, wait.timeout_ms);
    }
    if (ready == 0 && wait.if_quiet == QuietEnd::kHoldEnds) {
      if (!output_.ReleaseHeld()) break;  // still coming: stream it
      continue;
    }
    if (ready == 0 && wait.if_quiet == QuietEnd::kStreamCheck) {
      in_slice_ = true;  // still quiet: the loop's top looks at c->aborted
      continue;
    }
    in_slice_ = false;
    if (ready < 0) {
      if (errno == EINTR) continue;
      ap_log_rerror(APLOG_MARK, APLOG_ERR, errno, r_, CPPCGI_IO_ERROR "poll on the pipes of %s failed", r_->filename);
      final_status_ = HTTP_INTERNAL_SERVER_ERROR;
      break;
    }
    if (ready == 0 && wait.if_quiet == QuietEnd::kOutputOver) {
      stdout_r_.reset();  // as if at EOF: the response ends here
      stderr_.Close(framer_.bytes_seen() > 0);
      break;
    }
    if (ready == 0) {
      (wait.if_quiet == QuietEnd::kRunTime ? over_run_time_ : timed_out_) = true;
      break;
    }
    if (client_idx >= 0 && (fds[client_idx].revents & (POLLHUP | POLLERR)) != 0) {
      output_.ClientGone("its connection was reset or failed");
      break;
    }
    if (helper_idx >= 0 && fds[helper_idx].revents != 0) {
      session_.Read();
      NoteHelperFault();
    }
    if (session_.faulted()) break;
    if (in_idx >= 0 && fds[in_idx].revents != 0) WriteToScript();
    if (err_idx >= 0 && fds[err_idx].revents != 0) stderr_.Read(framer_.bytes_seen() > 0);
    if (out_idx >= 0 && fds[out_idx].revents != 0 && ReadStdout() == Step::kStop) break;
  }
  int status = Finish();
  stderr_.Finish();
  return status;
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



void ScriptRun::HelperFault(const std::string& what) {
  session_.Fault(what);
  NoteHelperFault();
}

void ScriptRun::NoteHelperFault() {
  if (session_.faulted()) Failed("the helper process that started the script broke the protocol: " + session_.fault());
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
  Failed("the suEXEC wrapper refused to run the script: " + *reason + " (exit status " + std::to_string(code) +
         "; details in " + kSuexecLog + ")");
  CountFailure(PoolStats(), FailureReason::kExecFailed);
  ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_,
                CPPCGI_SUEXEC_REFUSED "the suEXEC wrapper refused to run %s: %s (exit status %d; details in %s)",
                r_->filename, reason->c_str(), code, kSuexecLog);
  return HTTP_INTERNAL_SERVER_ERROR;
}

std::string ScriptRun::ExitText() const {
  if (!session_.exited()) return "still running";
  return DescribeWaitStatus(session_.exit_report().wait_status);
}

int ScriptRun::Finish() {
  stdin_w_.reset();
  if (output_.gone() != nullptr) {
    apr_table_setn(r_->notes, "cppcgi-status", "client-gone");
    if (SharedStats* stats = PoolStats()) Bump(stats->client_disconnects);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r_,
                  CPPCGI_CLIENT_GONE "client is gone (%s); ending script %s (pid %ld)", output_.gone(), r_->filename,
                  static_cast<long>(pid_));
    session_.Drop();  // the helper ends the script's process group
    c_->keepalive = AP_CONN_CLOSE;
    if (phase_ == Phase::kBody) return OK;  // the status went out with the headers
    // Before the headers nothing was sent: the log must not show a success.
    // 400, as httpd logs a client that vanishes while sending its body.
    return final_status_ != OK ? final_status_ : HTTP_BAD_REQUEST;
  }
  if (body_error_ != OK) {
    session_.Drop();
    if (phase_ == Phase::kBody) {
      output_.ReleaseHeld();
      c_->keepalive = AP_CONN_CLOSE;
      return OK;
    }
    return body_error_;
  }
  if (session_.faulted()) return EndAfterHelperFault();
  if (timed_out_ || over_run_time_) {
    int64_t ran_ms = apr_time_as_msec(apr_time_now() - started_);
    Failed(timed_out_ ? "the script wrote nothing for " + std::to_string(opt_.idle_timeout_ms) +
                            " ms (CppCgiIdleTimeout) and was ended"
                      : "the script ran longer than CppCgiMaxRunTime (" + std::to_string(opt_.max_run_time_ms) +
                            " ms) and was ended");
    if (timed_out_ && phase_ == Phase::kHeaders && framer_.bytes_seen() > 0) {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_,
                    CPPCGI_TIMEOUT "script %s (pid %ld) did not finish its headers within %" APR_INT64_T_FMT
                    " ms (ran %" APR_INT64_T_FMT " ms); sending SIGTERM to its process tree, SIGKILL after 3 s",
                    r_->filename, static_cast<long>(pid_), opt_.idle_timeout_ms, ran_ms);
    } else if (timed_out_) {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_,
                    CPPCGI_TIMEOUT "script %s (pid %ld) produced no output for %" APR_INT64_T_FMT
                    " ms (ran %" APR_INT64_T_FMT " ms); sending SIGTERM to its process tree, SIGKILL after 3 s",
                    r_->filename, static_cast<long>(pid_), opt_.idle_timeout_ms, ran_ms);
    } else {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_,
                    CPPCGI_RUN_TIME "script %s (pid %ld) ran %" APR_INT64_T_FMT
                    " ms, over CppCgiMaxRunTime (%" APR_INT64_T_FMT
                    " ms); sending SIGTERM to its process tree, SIGKILL after 3 s",
                    r_->filename, static_cast<long>(pid_), ran_ms, opt_.max_run_time_ms);
    }
    apr_table_setn(r_->notes, "cppcgi-status", timed_out_ ? "idle-timeout" : "run-time-limit");
    if (SharedStats* stats = PoolStats()) Bump(timed_out_ ? stats->timeouts_idle : stats->timeouts_run_time);
    session_.Drop();
    if (phase_ == Phase::kBody) {
      output_.CutOff();  // headers are out: the response must not look complete
      return OK;
    }
    return HTTP_GATEWAY_TIME_OUT;
  }

  if (phase_ == Phase::kHeaders) {
    // Output ended before the blank line that ends the header section.
    CollectExitOrEnd();
    if (session_.faulted()) return EndAfterHelperFault();
    SetNotes();
    if (int status = SuexecRefused(); status != OK) return status;
    Failed(framer_.bytes_seen() == 0
               ? "End of script output before headers: the script " + ExitText() + " without writing anything to stdout"
               : "Premature end of script headers: the script " + ExitText() +
                     " before the blank line that ends the headers");
    CountFailure(PoolStats(), FailureReason::kNoHeaders);
    if (framer_.bytes_seen() == 0) {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_,
                    CPPCGI_NO_HEADERS "End of script output before headers: %s (the script %s without writing "
                    "anything to stdout)",
                    r_->filename, ExitText().c_str());
    } else {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_,
                    CPPCGI_NO_HEADERS "Premature end of script headers: %s (the script %s before the blank line "
                    "that ends the headers)",
                    r_->filename, ExitText().c_str());
    }
    return HTTP_INTERNAL_SERVER_ERROR;
  }

  // Before the response is marked complete: how did the script end?
  CollectExitOrEnd();
  if (session_.faulted()) return EndAfterHelperFault();
  bool crashed = session_.exited() && WIFSIGNALED(session_.exit_report().wait_status) && !opt_.nph;
  if (phase_ == Phase::kBody && opt_.collect_into == nullptr) {
    if (crashed) {
      // Killed mid-response: what was sent may be cut short, so the client
      // must not take it for complete (no last chunk; the connection closes).
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r_,
                    CPPCGI_KILLED_AFTER_HEADERS "script %s (pid %ld) %s after sending its headers; the response "
                    "is cut off",
                    r_->filename, static_cast<long>(pid_), ExitText().c_str());
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

  // kDiscard: a redirect, a 304, or a header error; output has been read to the end.
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
