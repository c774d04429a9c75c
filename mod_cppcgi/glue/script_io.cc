// SPDX-License-Identifier: Apache-2.0
#include "glue/script_io.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "core/run_deadlines.h"
#include "glue/failure_report.h"
#include "glue/script_headers_apply.h"
#include "glue/xsendfile.h"

namespace cppcgi {
namespace {

constexpr size_t kReadChunk = 65536;
// A script that fills its stdout pipe (Linux's default is 64 KiB, one read of
// kReadChunk) writes faster than the response drains it; the pipe then grows
// to this, so that the script and the worker take turns half as often (the
// sizes tried and what each cost: tests/bench/ANALYSIS.md).
constexpr int kGrownPipeSize = 128 * 1024;
// Output held back for a Range request, at most (beyond it: 200, streamed).
constexpr size_t kRangeHoldLimit = 8u << 20;
// A response that is complete (the script has exited) within this long after
// its header section, and no longer than this, reaches httpd's filters whole:
// it gets a Content-Length (so HTTP/1.0 keep-alive, and HEAD, work as with
// mod_cgid when its output is ready at once) and goes out in one write.
// Output that is still coming then is streamed.
constexpr apr_interval_time_t kSettleTime = apr_time_from_msec(20);
constexpr size_t kSettleLimit = 65536;

}  // namespace

ScriptRun::ScriptRun(request_rec* r, ScriptRunOptions options)
    : r_(r),
      c_(r->connection),
      opt_(std::move(options)),
      limits_{opt_.idle_timeout_ms, opt_.max_run_time_ms},
      session_(r, opt_.socket_path),
      stdin_(r, opt_.keep_body_bytes),
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

void ScriptRun::KeepForLog(std::string* kept, std::string_view data) const {
  size_t limit = static_cast<size_t>(opt_.keep_output_bytes);
  if (kept->size() < limit) kept->append(data.substr(0, limit - kept->size()));
}

int ScriptRun::Run(const wire::SpawnRequest& request, UniqueFd exec_fd, SpooledBody body) {
  stdin_.Prepare(std::move(body));
  int status = Start(request, std::move(exec_fd));
  if (status != OK) return status;
  stdin_.Started();
  if (opt_.collect_into != nullptr) {
    phase_ = Phase::kBody;  // raw output, no header section
    stdin_.NoBody();
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
    return Fail(Fault::kNoPool, std::string("no helper pool is running (see the startup messages CPPCGI0101 and "
                                            "CPPCGI0105); cannot run ") + r_->filename);
  }
  auto frame = wire::Encode(request);
  if (!frame.ok()) {
    return Fail(Fault::kRequestTooLarge, std::string("cannot prepare to run ") + r_->filename + ": " +
                                             frame.status().ToString());
  }
  // A connection reset before the helper answered means it never read the
  // request (a helper that stopped accepting, or died, with it queued): the
  // script was not started, so one more try on another helper is safe. A
  // clean EOF could come after a start, so it is never retried.
  StatusOr<wire::Message> reply = Status(Code::kUnavailable, "not tried");
  int stdin_file = stdin_.stdin_file();
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
    std::string why = reply.status().ToString();
    if (session_.request_sent() && reply.status().sys_errno() != ECONNRESET) {
      return Fail(Fault::kHelperSilent, std::string("the helper did not say whether it started ") + r_->filename +
                                            " (" + why + "); not retried, since the script may have started "
                                            "(httpd's parent ends the scripts of a helper that dies)");
    }
    return Fail(Fault::kHandoff, std::string("cannot hand ") + r_->filename + " to a helper: " + why);
  }
  if (const auto* failed = std::get_if<wire::SpawnFailed>(&*reply); failed != nullptr && failed->busy) {
    apr_table_setn(r_->err_headers_out, "Retry-After", "1");
    return Fail(Fault::kBusy, std::string("not starting ") + r_->filename + ": " + failed->what +
                                  " already run; answering 503");
  }
  if (const auto* failed = std::get_if<wire::SpawnFailed>(&*reply)) {
    return Fail(Fault::kSpawnFailed, Status::System(failed->what, failed->sys_errno).ToString());
  }
  const auto* started = std::get_if<wire::Started>(&*reply);
  if (started == nullptr) {
    HelperFault(std::holds_alternative<wire::Exited>(*reply) ? "an exit report where the start report was due"
                                                             : "a spawn request where the start report was due");
    return HTTP_BAD_GATEWAY;
  }
  pid_ = started->pid;
  if (started->warm) apr_table_setn(r_->notes, "cppcgi-python", "warm");  // %{cppcgi-python}n
  // Our pipe ends are fresh, with no other status flag: set, no need to get.
  for (int fd : {stdin_.fd(), stdout_r_.get(), stderr_.fd()}) {
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
  if (stdin_file < 0) stdin_.Attach(std::move(in->second));
  stdout_r_ = std::move(out->first);
  stderr_.Attach(std::move(err->first));
  return reply;
}



void ScriptRun::OnHeaders() {
  HeaderOutcome outcome = ApplyScriptHeaders(r_, framer_.lines());
  // Taken off whatever the response becomes: it never reaches the client.
  const char* sendfile = opt_.xsendfile_paths != nullptr ? TakeSendfileHeader(r_) : nullptr;
  if (!outcome.failure.empty()) {
    outcome.final_status = Fail(Fault::kBadHeaders, outcome.failure, outcome.final_status);
  }
  if (!outcome.body) {
    phase_ = Phase::kDiscard;  // the rest of the output is read and dropped
    final_status_ = outcome.final_status;
    local_redirect_ = outcome.local_redirect;
    return;
  }
  if (sendfile != nullptr) {
    phase_ = Phase::kDiscard;  // the file is the body, sent once the script is done
    sendfile_path_ = sendfile;
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
        final_status_ = Fail(Fault::kBadHeaders, std::string("bad header section from script ") + r_->filename +
                                                     ": " + framer_.error().message());
        phase_ = Phase::kDiscard;
      } else if (framer_.state() == ScriptHeaderFramer::State::kComplete) {
        if (int code = InterimStatus(framer_.lines()); code != 0) {
          if (std::string refused = SendInterimResponse(r_, framer_.lines(), code, &interim_count_);
              !refused.empty()) {
            final_status_ = Fail(Fault::kBadHeaders, std::string("malformed header from script ") + r_->filename +
                                                         ": " + refused);
            phase_ = Phase::kDiscard;
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
    if (!stdin_.Fill()) break;
    if (phase_ == Phase::kHeaders && stdout_r_ && HeaderTimeLeftMs(limits_, Moment(0)) <= 0) {
      timed_out_ = true;
      break;
    }
    // A script that exits at once can have its exit report sent right after
    // the start report, and read with it: waiting for the connection to turn
    // readable would then wait for the idle timeout whenever something else
    // (a daemonised grandchild) holds stdout open.
    if (session_.ReportBuffered()) {
      session_.Read();
      NoteHelperFault();
      if (session_.faulted()) break;
    }
    pollfd fds[5];  // stdin, stdout, stderr, the client socket, the helper connection
    nfds_t n = 0;
    int in_idx = -1, out_idx = -1, err_idx = -1, client_idx = -1;
    if (stdin_.wants_write()) {
      in_idx = static_cast<int>(n);
      fds[n++] = {stdin_.fd(), POLLOUT, 0};
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
    if (client_fd_ >= 0 && stdin_.all_read()) {
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
      final_status_ = Fail(Fault::kPollFailed, std::string("waiting on the pipes of ") + r_->filename +
                                                   " failed: " + Status::System("poll", errno).ToString());
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
    if (in_idx >= 0 && fds[in_idx].revents != 0 && stdin_.Write()) header_clock_ = apr_time_now();  // progress
    if (err_idx >= 0 && fds[err_idx].revents != 0) stderr_.Read(framer_.bytes_seen() > 0);
    if (out_idx >= 0 && fds[out_idx].revents != 0 && ReadStdout() == Step::kStop) break;
  }
  int status = Finish();
  stderr_.Finish();
  return status;
}

}  // namespace cppcgi
