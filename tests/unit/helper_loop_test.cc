// SPDX-License-Identifier: Apache-2.0
// Forks the real helper loop (RunHelper) and talks the wire protocol to it,
// the way an httpd worker does: pipes created here, their far ends passed
// as SCM_RIGHTS, the script's bytes read here, never by the helper.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <functional>
#include <string>

#include "core/unique_fd.h"
#include "core/wire.h"
#include "proc/channel.h"
#include "proc/helper/helper_main.h"
#include "proc/helper/spawn.h"
#include "open_fds_script.h"

namespace cppcgi {
namespace {

// The key httpd's parent would have drawn (proc/worker_key.h).
wire::WorkerKey TestKey() {
  wire::WorkerKey key;
  key.fill(0x5a);
  return key;
}

class HelperLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cppcgi-helper-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/h.sock";
    UniqueFd listen_fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    ASSERT_EQ(::bind(listen_fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listen_fd.get(), 16), 0);
    auto lifeline = MakePipe();
    ASSERT_TRUE(lifeline.ok());
    helper_ = fork();
    ASSERT_GE(helper_, 0);
    if (helper_ == 0) {
      lifeline->second.reset();
      HelperOptions o;
      o.listen_fd = listen_fd.get();
      o.lifeline_fd = lifeline->first.get();
      o.kill_grace_ms = 500;
      o.worker_key = TestKey();
      o.max_kept_connections = max_kept_connections_;
      // Its log lines, one per line, for the tests to read.
      std::string log_path = dir_ + "/helper.log";
      o.log = [log_path](HelperLogLevel, std::string_view msg) {
        UniqueFd f(::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
        std::string line = std::string(msg) + "\n";
        if (f) (void)!::write(f.get(), line.data(), line.size());
      };
      _exit(RunHelper(o));
    }
    lifeline_ = std::move(lifeline->second);
    // Only the helper keeps the listening socket, so its closing is visible here.
  }

  void TearDown() override {
    if (helper_ > 0) {
      kill(helper_, SIGKILL);
      waitpid(helper_, nullptr, 0);
    }
    unlink(path_.c_str());
    unlink((dir_ + "/helper.log").c_str());
    rmdir(dir_.c_str());
  }

  size_t max_kept_connections_ = 512;  // set before SetUp by a derived fixture

  struct Run {
    UniqueFd conn;
    FrameReceiver rx;
    UniqueFd in, out, err;  // our ends: write stdin, read stdout/stderr
  };

  // Connects and asks for `argv` to run; returns with the pipes, before reading any reply.
  Run Spawn(std::vector<std::string> argv, int fd_count = 4, const wire::WorkerKey& key = TestKey()) {
    Run run;
    auto conn = ConnectUnix(path_, 2000);
    EXPECT_TRUE(conn.ok()) << conn.status().ToString();
    run.conn = std::move(*conn);
    EXPECT_TRUE(SendRequest(run, std::move(argv), fd_count, key).ok());
    return run;
  }

  // Asks for `argv` to run on run.conn, with new pipes.
  static Status SendRequest(Run& run, std::vector<std::string> argv, int fd_count = 4,
                            const wire::WorkerKey& key = TestKey()) {
    auto in = MakePipe(), out = MakePipe(), err = MakePipe();
    wire::SpawnRequest req;
    req.key = key;
    req.path = argv[0];
    req.cwd = "/";
    req.argv = std::move(argv);
    req.env = {"PATH=/usr/bin:/bin", "GREETING=hi"};
    auto frame = wire::Encode(req);
    // The file to execute, opened the way the worker does (may fail: the helper must cope).
    UniqueFd exec(::open(req.path.c_str(), O_PATH | O_CLOEXEC));
    if (!exec) exec.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    int fds[] = {in->first.get(), out->second.get(), err->second.get(), exec.get()};
    Status sent = SendFrame(run.conn.get(), *frame, std::span<const int>(fds, fd_count), 2000);
    run.in = std::move(in->second);
    run.out = std::move(out->first);
    run.err = std::move(err->first);
    return sent;
  }

  // A request on a connection the helper has closed: sending fails with
  // EPIPE, or the answer with ECONNRESET (it was never read), and nothing
  // runs: stdout reaches EOF (its far end went with the request) empty.
  static void ExpectRefusedUnread(Run& run, std::vector<std::string> argv) {
    Status sent = SendRequest(run, std::move(argv));
    int err = sent.sys_errno();
    if (sent.ok()) {
      auto reply = run.rx.ReceiveMessage(run.conn.get(), 2000);
      ASSERT_FALSE(reply.ok());
      err = reply.status().sys_errno();
    }
    EXPECT_TRUE(err == EPIPE || err == ECONNRESET) << err;
    run.in.reset();
    EXPECT_EQ(ReadAll(run.out.get()), "");
  }

  static wire::Message Receive(Run& run, int timeout_ms = 5000) {
    auto m = run.rx.ReceiveMessage(run.conn.get(), timeout_ms);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : wire::Message{wire::Started{}};
  }

  // Reads until EOF, failing after timeout_ms.
  static std::string ReadAll(int fd, int timeout_ms = 5000) {
    std::string out;
    char buf[4096];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) {
        ADD_FAILURE() << "no EOF within " << timeout_ms << " ms";
        return out;
      }
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }

  // With a script running, `drain` makes the helper drain: once its listening
  // socket is closed connections are refused, the script still finishes and
  // reports, and then the helper exits with `code`.
  void ExpectDrainThenExit(const std::function<void()>& drain, int code) {
    Run run = Spawn({"/bin/sh", "-c", "read x; echo done"});
    ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
    drain();
    bool refused = false;
    for (int i = 0; i < 200 && !refused; ++i) {
      auto c = ConnectUnix(path_, 0);
      refused = !c.ok();
      if (!refused) usleep(10000);
    }
    EXPECT_TRUE(refused);
    ASSERT_EQ(write(run.in.get(), "\n", 1), 1);
    run.in.reset();
    EXPECT_EQ(ReadAll(run.out.get()), "done\n");
    EXPECT_TRUE(std::holds_alternative<wire::Exited>(Receive(run)));
    int status = WaitHelper();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == code) << status;
  }

  // What the helper has logged so far, one line per message.
  std::string ReadLog() const {
    std::string log;
    char buf[4096];
    UniqueFd f(::open((dir_ + "/helper.log").c_str(), O_RDONLY | O_CLOEXEC));
    for (ssize_t n; f && (n = ::read(f.get(), buf, sizeof buf)) > 0;) log.append(buf, static_cast<size_t>(n));
    return log;
  }

  int WaitHelper(int timeout_ms = 5000) {
    for (int waited = 0; waited < timeout_ms; waited += 10) {
      int status;
      if (waitpid(helper_, &status, WNOHANG) == helper_) {
        helper_ = 0;
        return status;
      }
      usleep(10000);
    }
    ADD_FAILURE() << "helper did not exit";
    return -1;
  }

  std::string dir_, path_;
  pid_t helper_ = -1;
  UniqueFd lifeline_;
};

TEST_F(HelperLoopTest, RunsScriptOnPassedPipesAndReportsExit) {
  Run run = Spawn({"/bin/sh", "-c", "read x; echo \"got $x $GREETING ppid=$PPID\"; echo oops >&2; exit 3"});
  auto started = Receive(run);
  ASSERT_TRUE(std::holds_alternative<wire::Started>(started));
  EXPECT_GT(std::get<wire::Started>(started).pid, 0);
  ASSERT_EQ(write(run.in.get(), "hello\n", 6), 6);
  run.in.reset();
  EXPECT_EQ(ReadAll(run.out.get()), "got hello hi ppid=" + std::to_string(helper_) + "\n");
  EXPECT_EQ(ReadAll(run.err.get()), "oops\n");
  auto exited = Receive(run);
  ASSERT_TRUE(std::holds_alternative<wire::Exited>(exited));
  int status = std::get<wire::Exited>(exited).wait_status;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3);
}

TEST_F(HelperLoopTest, ExecFailureIsReportedWithErrno) {
  // A script without #!: execveat() fails with ENOEXEC, reported with the path.
  std::string script = dir_ + "/noshebang.cgi";
  FILE* f = fopen(script.c_str(), "w");
  fputs("echo hi\n", f);
  fclose(f);
  chmod(script.c_str(), 0755);
  Run run = Spawn({script});
  auto reply = Receive(run);
  unlink(script.c_str());
  ASSERT_TRUE(std::holds_alternative<wire::SpawnFailed>(reply));
  EXPECT_EQ(std::get<wire::SpawnFailed>(reply).sys_errno, ENOEXEC);
  EXPECT_NE(std::get<wire::SpawnFailed>(reply).what.find(script), std::string::npos);
}

TEST_F(HelperLoopTest, NonRegularExecutableIsRefused) {
  // /nonexistent cannot be opened, so /dev/null (a device) is passed instead.
  Run run = Spawn({"/nonexistent/script.cgi"});
  auto reply = Receive(run);
  ASSERT_TRUE(std::holds_alternative<wire::SpawnFailed>(reply));
  EXPECT_NE(std::get<wire::SpawnFailed>(reply).what.find("not a regular file"), std::string::npos);
}

TEST_F(HelperLoopTest, StartsManyScriptsWithoutWaitingForAny) {
  // Each script blocks on stdin; all must be started before any is released.
  std::vector<Run> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(Spawn({"/bin/sh", "-c", "read x; echo $x"}));
  for (auto& run : runs) ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
  for (size_t i = 0; i < runs.size(); ++i) {
    std::string line = std::to_string(i) + "\n";
    ASSERT_EQ(write(runs[i].in.get(), line.data(), line.size()), static_cast<ssize_t>(line.size()));
    runs[i].in.reset();
    EXPECT_EQ(ReadAll(runs[i].out.get()), line);
  }
}

TEST_F(HelperLoopTest, ScriptInheritsNoIgnoredSignalOrHandler) {
  // The helper ignores SIGPIPE (and, in httpd, SIGUSR1 and SIGWINCH): the
  // script must start with every disposition at its default.
  // (cat installs no handler of its own, unlike grep or sh.)
  Run run = Spawn({"/bin/cat", "/proc/self/status"});
  ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
  std::string status = ReadAll(run.out.get());
  EXPECT_NE(status.find("\nSigIgn:\t0000000000000000\n"), std::string::npos) << status;
  EXPECT_NE(status.find("\nSigCgt:\t0000000000000000\n"), std::string::npos) << status;
}

TEST(NonDefaultSignalsTest, ListsIgnoredAndHandledSignalsOnly) {
  struct sigaction ign {}, old_usr2 {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGUSR2, &ign, &old_usr2);
  std::vector<int> list = NonDefaultSignals();
  sigaction(SIGUSR2, &old_usr2, nullptr);
  EXPECT_NE(std::find(list.begin(), list.end(), SIGUSR2), list.end());
  EXPECT_EQ(std::find(list.begin(), list.end(), SIGTTOU), list.end());  // default here
  EXPECT_EQ(std::find(list.begin(), list.end(), SIGKILL), list.end());
}

TEST_F(HelperLoopTest, ScriptSeesOnlyStdioAndOwnProcessGroup) {
  // fds 3..1023 that are open in the script (none may be), then whether it
  // leads its own process group but not a session of its own.
  Run run = Spawn({"/usr/bin/python3", "-c",
                   std::string(test_scripts::kCollectOpenFdsPy) +
                       "print(open_fds, os.getpid() == os.getpgid(0) != os.getsid(0))\n"});
  ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
  run.in.reset();
  EXPECT_EQ(ReadAll(run.out.get()), "[] True\n");
}

TEST_F(HelperLoopTest, ClosingTheConnectionEndsTheWholeProcessGroup) {
  // A background grandchild keeps stdout open too: EOF only comes when both are gone.
  Run run = Spawn({"/bin/sh", "-c", "sleep 30 & sleep 30; wait"});
  ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
  run.conn.reset();
  EXPECT_EQ(ReadAll(run.out.get(), 5000), "");
}

TEST_F(HelperLoopTest, LifelineEofStopsAcceptingAndFinishesRunningScripts) {
  ExpectDrainThenExit([this] { lifeline_.reset(); }, 0);
}

// A worker that got a malformed answer retires the helper with SIGUSR2: it
// takes no new script, finishes the one it runs, then exits with its own code.
TEST_F(HelperLoopTest, Sigusr2RetiresTheHelperAfterItsRunningScripts) {
  ExpectDrainThenExit([this] { kill(helper_, SIGUSR2); }, kHelperRetired);
}

// httpd's MPMs report a child's exit code or signal number; APR's refresh, the
// raw wait status. Either way the helper's own codes read right, and nothing
// else reads as one of them.
TEST(HelperExitCodeTest, ReadsTheSameFromHttpdAndFromApr) {
  EXPECT_TRUE(HelperExitedWith(kHelperRetired, kHelperRetired));       // httpd: exit code
  EXPECT_TRUE(HelperExitedWith(kHelperRetired << 8, kHelperRetired));  // APR: raw status
  EXPECT_TRUE(HelperExitedWith(kHelperStartupError << 8, kHelperStartupError));
  EXPECT_TRUE(HelperExitedWith(kHelperLoopFailed, kHelperLoopFailed));
  EXPECT_FALSE(HelperExitedWith(kHelperStartupError, kHelperRetired));
  EXPECT_FALSE(HelperExitedWith(0, kHelperRetired));
  for (int sig = 1; sig <= 64; ++sig) {  // a signal number (httpd) or a raw "killed by" status (APR)
    EXPECT_FALSE(HelperExitedWith(sig, kHelperRetired)) << sig;
    EXPECT_FALSE(HelperExitedWith(sig | 0x80, kHelperStartupError)) << sig;  // with a core dump
  }
}

// The kernel names the sender of an answer to a worker that asks (SO_PASSCRED):
// that is how a worker knows which helper to retire.
TEST_F(HelperLoopTest, AnswersNameTheHelperOnlyToAWorkerThatAsks) {
  Run plain = Spawn({"/bin/true"});
  ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(plain)));
  EXPECT_EQ(plain.rx.sender(), 0);

  auto conn = ConnectUnix(path_, 2000);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(AskSenderCredentials(conn->get()).ok());
  Run run;
  run.conn = std::move(*conn);
  ASSERT_TRUE(SendRequest(run, {"/bin/echo", "hi"}).ok());
  ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
  EXPECT_EQ(run.rx.sender(), helper_);
  EXPECT_EQ(ReadAll(run.out.get()), "hi\n");
  EXPECT_TRUE(std::holds_alternative<wire::Exited>(Receive(run)));
  EXPECT_EQ(run.rx.sender(), helper_);
}

TEST_F(HelperLoopTest, OneConnectionServesRequestAfterRequest) {
  // Workers keep their connection between requests (idle_connection.h).
  Run run = Spawn({"/bin/echo", "first"});
  ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
  EXPECT_EQ(ReadAll(run.out.get()), "first\n");
  ASSERT_TRUE(std::holds_alternative<wire::Exited>(Receive(run)));
  ASSERT_TRUE(SendRequest(run, {"/bin/echo", "second"}).ok());
  ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
  EXPECT_EQ(ReadAll(run.out.get()), "second\n");
  EXPECT_TRUE(std::holds_alternative<wire::Exited>(Receive(run)));
}

class HelperLoopOneKeptTest : public HelperLoopTest {
 protected:
  HelperLoopOneKeptTest() { max_kept_connections_ = 1; }
};

TEST_F(HelperLoopOneKeptTest, PastTheCapAConnectionIsClosedAfterItsExitReport) {
  // Another worker's connection is already there: two connections, one kept at most.
  auto other = ConnectUnix(path_, 2000);
  ASSERT_TRUE(other.ok());
  Run run = Spawn({"/bin/echo", "once"});
  ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
  EXPECT_EQ(ReadAll(run.out.get()), "once\n");
  ASSERT_TRUE(std::holds_alternative<wire::Exited>(Receive(run)));
  // Closed after the report: the next request on it is refused unread (the
  // worker then sends it on a new connection).
  ExpectRefusedUnread(run, {"/bin/echo", "twice"});
}

TEST_F(HelperLoopTest, IdleConnectionIsClosedWhenDrainingAndTheRequestIsNotRead) {
  // A worker's kept connection (or one accepted just before a graceful
  // restart) with no request on it: the draining helper closes it and exits
  // at once; the worker's late request fails with EPIPE or ECONNRESET, which
  // tells it nothing was started, so it may send the request elsewhere.
  auto conn = ConnectUnix(path_, 2000);
  ASSERT_TRUE(conn.ok());
  usleep(100000);  // the helper has accepted it by now
  lifeline_.reset();
  int status = WaitHelper(2000);  // not after a minute, as if a request might still come
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  Run run;
  run.conn = std::move(*conn);
  ExpectRefusedUnread(run, {"/bin/echo", "late"});
}

TEST_F(HelperLoopTest, SigtermEndsScriptsThenTheHelper) {
  Run run = Spawn({"/bin/sh", "-c", "read x"});
  ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
  kill(helper_, SIGTERM);
  auto exited = Receive(run);
  ASSERT_TRUE(std::holds_alternative<wire::Exited>(exited));
  int status = std::get<wire::Exited>(exited).wait_status;
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
  int hs = WaitHelper();
  EXPECT_TRUE(WIFEXITED(hs) && WEXITSTATUS(hs) == 0);
}

TEST_F(HelperLoopTest, WrongFdCountClosesTheConnection) {
  Run run = Spawn({"/bin/true"}, 2);
  auto m = run.rx.ReceiveMessage(run.conn.get(), 5000);
  EXPECT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Code::kUnavailable);
}

// A process running as User that is not one of httpd's workers (a script
// that found the socket) sends a well-formed request: nothing runs, the
// connection is closed without an answer, the helper says so and serves on.
TEST_F(HelperLoopTest, ARequestWithoutTheWorkerKeyRunsNothing) {
  std::string marker = dir_ + "/ran";
  wire::WorkerKey wrong = TestKey();
  wrong[31] ^= 1;  // one bit off
  for (const wire::WorkerKey& key : {wire::WorkerKey{}, wrong}) {
    Run run = Spawn({"/bin/sh", "-c", "touch " + marker}, 4, key);
    auto m = run.rx.ReceiveMessage(run.conn.get(), 5000);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), Code::kUnavailable) << m.status().ToString();  // closed, no answer
    run.in.reset();
    EXPECT_EQ(ReadAll(run.out.get()), "");  // its far end went with the request
  }
  Run good = Spawn({"/bin/true"});
  EXPECT_TRUE(std::holds_alternative<wire::Started>(Receive(good)));
  struct stat st;
  EXPECT_NE(::stat(marker.c_str(), &st), 0) << "a request without the key ran";
  std::string log = ReadLog();
  EXPECT_NE(log.find("refused a request to run /bin/sh from pid " + std::to_string(getpid()) +
                     ", which does not hold this server's worker key; started nothing; fix: "),
            std::string::npos)
      << log;
}

TEST_F(HelperLoopTest, GarbageClosesTheConnectionButNotTheHelper) {
  auto conn = ConnectUnix(path_, 2000);
  ASSERT_TRUE(conn.ok());
  ASSERT_EQ(write(conn->get(), "GET / HTTP/1.0\r\n\r\n", 18), 18);
  FrameReceiver rx;
  EXPECT_FALSE(rx.ReceiveMessage(conn->get(), 5000).ok());
  Run run = Spawn({"/bin/true"});
  EXPECT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
}

// A worker whose client went away closes its connection with the exit report
// unread; the helper then reads ECONNRESET. That is a worker gone, logged as
// nothing, while data that is not a frame is still "bad data".
TEST_F(HelperLoopTest, WorkerClosingWithTheReportUnreadIsNotAnError) {
  // The script waits for its stdin to close, so that "started" is read alone:
  // one that had already exited could have its report read along with it.
  Run run = Spawn({"/bin/sh", "-c", "read x"});
  ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(run)));
  Status buffered;
  ASSERT_FALSE(run.rx.HasBufferedFrame(&buffered));
  run.in.reset();
  EXPECT_EQ(ReadAll(run.out.get()), "");  // it has exited; its report follows
  pollfd p{run.conn.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);  // the report is here, and stays unread
  run.conn.reset();
  Run next = Spawn({"/bin/true"});  // the helper carries on
  ASSERT_TRUE(std::holds_alternative<wire::Started>(Receive(next)));
  auto conn = ConnectUnix(path_, 2000);
  ASSERT_TRUE(conn.ok());
  ASSERT_EQ(write(conn->get(), "GET / HTTP/1.0\r\n\r\n", 18), 18);
  FrameReceiver rx;
  EXPECT_FALSE(rx.ReceiveMessage(conn->get(), 5000).ok());
  std::string log = ReadLog();
  EXPECT_EQ(log.find("Connection reset"), std::string::npos) << log;
  EXPECT_NE(log.find("bad data from a worker"), std::string::npos) << log;  // the garbage, and only it
}

}  // namespace
}  // namespace cppcgi
