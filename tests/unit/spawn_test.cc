// SPDX-License-Identifier: Apache-2.0
// SpawnScript itself, in this process: the child shares our fd table until
// it takes its own copy of the low end of it, so what it does to its fds
// (dup2 onto 0-2, close-on-exec for the rest) must never reach ours.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/unique_fd.h"
#include "core/wire.h"
#include "proc/channel.h"
#include "proc/helper/spawn.h"
#include "open_fds_script.h"
#include "read_all.h"

namespace cppcgi {
namespace {

using test_io::ReadAll;

struct Identity {
  dev_t dev;
  ino_t ino;
};

Identity IdentityOf(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0) << "fd " << fd;
  return {st.st_dev, st.st_ino};
}

// Moves fd to the lowest free number at or above `at`.
UniqueFd MoveTo(UniqueFd fd, int at) {
  UniqueFd moved(::fcntl(fd.get(), F_DUPFD_CLOEXEC, at));
  EXPECT_TRUE(moved.valid());
  return moved;
}

wire::SpawnRequest Request(std::vector<std::string> argv) {
  wire::SpawnRequest req;
  req.path = argv[0];
  req.cwd = "/";
  req.argv = std::move(argv);
  req.env = {"PATH=/usr/bin:/bin"};
  return req;
}

// Waits for the script and returns its wait status.
int Wait(pid_t pid) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return status;
}

TEST(SpawnScriptTest, HighNumberedFdsWorkAndTheCallersFdsAreUntouched) {
  // The script's pipe ends and executable at high numbers, other fds open
  // below and above them: everything the child needs lies in the copied
  // range, and nothing of ours is replaced or closed.
  Identity stdin_before = IdentityOf(0), stdout_before = IdentityOf(1), stderr_before = IdentityOf(2);
  std::vector<UniqueFd> fillers;
  for (int i = 0; i < 20; ++i) fillers.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  UniqueFd above = MoveTo(UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)), 900);
  auto in = MakePipe();
  auto out = MakePipe();
  auto err = MakePipe();
  ASSERT_TRUE(in.ok() && out.ok() && err.ok());
  UniqueFd script_in = MoveTo(std::move(in->first), 500);
  UniqueFd script_out = MoveTo(std::move(out->second), 600);
  UniqueFd script_err = MoveTo(std::move(err->second), 700);
  UniqueFd exec_fd = MoveTo(UniqueFd(::open("/usr/bin/python3", O_RDONLY | O_CLOEXEC)), 800);
  // Lists its fds above 2 (there must be none) and echoes stdin.
  auto pid = SpawnScript(Request({"/usr/bin/python3", "-c",
                                  std::string(test_scripts::kCollectOpenFdsPy) + "print(open_fds)\nprint(sys.stdin.read())\n"}),
                         SpawnFds{script_in.get(), script_out.get(), script_err.get(), exec_fd.get()});
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  // Checked first: a child that changed our table would have left a pipe end
  // at 0-2 here, and reading to EOF below would never end.
  Identity stdin_after = IdentityOf(0), stdout_after = IdentityOf(1), stderr_after = IdentityOf(2);
  ASSERT_TRUE(stdin_after.ino == stdin_before.ino && stdin_after.dev == stdin_before.dev &&
              stdout_after.ino == stdout_before.ino && stdout_after.dev == stdout_before.dev &&
              stderr_after.ino == stderr_before.ino && stderr_after.dev == stderr_before.dev)
      << "the spawn changed the caller's fds 0-2";
  script_in.reset();
  script_out.reset();
  script_err.reset();
  ASSERT_EQ(::write(in->second.get(), "hi", 2), 2);
  in->second.reset();
  std::string output = ReadAll(out->first.get());
  EXPECT_EQ(ReadAll(err->first.get()), "");
  EXPECT_EQ(Wait(*pid), 0);
  EXPECT_EQ(output, "[]\nhi\n");

  // Still open here, and still close-on-exec only as we set it.
  EXPECT_EQ(::fcntl(above.get(), F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(::fcntl(exec_fd.get(), F_GETFD), FD_CLOEXEC);
  for (const UniqueFd& f : fillers) EXPECT_EQ(::fcntl(f.get(), F_GETFD), FD_CLOEXEC);
}

TEST(SpawnScriptTest, AFailureInTheChildIsReportedWithItsStage) {
  auto out = MakePipe();
  auto in = MakePipe();
  ASSERT_TRUE(out.ok() && in.ok());
  UniqueFd exec_fd(::open("/bin/true", O_RDONLY | O_CLOEXEC));
  wire::SpawnRequest req = Request({"/bin/true"});
  req.cwd = "/nonexistent-cppcgi-dir";
  auto pid = SpawnScript(req, SpawnFds{in->first.get(), out->second.get(), out->second.get(), exec_fd.get()});
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.status().ToString().find("chdir to the script's directory of '/bin/true' failed"), std::string::npos)
      << pid.status().ToString();
  EXPECT_EQ(pid.status().sys_errno(), ENOENT);
  // The parent's ends are intact after a failed child, too.
  EXPECT_EQ(::fcntl(out->second.get(), F_GETFD), FD_CLOEXEC);
}

// Frees fd `fd` of this process (if open) for as long as it lives, then
// puts back what was there, close-on-exec flag included.
class FdLent {
 public:
  explicit FdLent(int fd) : fd_(fd), flags_(fd >= 0 ? ::fcntl(fd, F_GETFD) : -1) {
    if (flags_ < 0) return;
    saved_.reset(::fcntl(fd, F_DUPFD_CLOEXEC, 10));
    EXPECT_TRUE(saved_.valid());
    ::close(fd);
  }
  ~FdLent() {
    if (saved_.valid()) {
      EXPECT_EQ(::dup3(saved_.get(), fd_, (flags_ & FD_CLOEXEC) ? O_CLOEXEC : 0), fd_);
    }
  }
  FdLent(const FdLent&) = delete;
  FdLent& operator=(const FdLent&) = delete;

 private:
  int fd_;
  int flags_;
  UniqueFd saved_;
};

// A warm Python process's start: its socket becomes fd 3, kept across exec,
// even where the executable's own fd was 3 (it is moved out of the way).
TEST(SpawnScriptTest, AnExtraFdBecomesFd3) {
  for (bool exec_at_3 : {false, true}) {
    SCOPED_TRACE(exec_at_3 ? "the executable at fd 3" : "the executable high");
    // ctest leaves an fd 3 open in this process: lent to the case, then put back.
    FdLent lent(exec_at_3 ? 3 : -1);
    UniqueFd exec_fd(::open("/usr/bin/python3", O_RDONLY | O_CLOEXEC));  // the lowest free number
    if (!exec_at_3) exec_fd = MoveTo(std::move(exec_fd), 40);
    auto in = MakePipe(), out = MakePipe(), extra = MakePipe();
    ASSERT_TRUE(in.ok() && out.ok() && extra.ok());
    ASSERT_EQ(exec_fd.get() == 3, exec_at_3);
    UniqueFd fd3 = MoveTo(std::move(extra->second), 50);
    auto pid = SpawnScript(Request({"/usr/bin/python3", "-c",
                                    std::string(test_scripts::kCollectOpenFdsPy) +
                                        "print(open_fds)\nos.write(3, b'via 3')\n"}),
                           SpawnFds{in->first.get(), out->second.get(), out->second.get(), exec_fd.get()}, nullptr,
                           SpawnExtras{.fd3 = fd3.get()});
    ASSERT_TRUE(pid.ok()) << pid.status().ToString();
    out->second.reset();
    fd3.reset();
    EXPECT_EQ(ReadAll(out->first.get()), "[3]\n");
    EXPECT_EQ(ReadAll(extra->first.get()), "via 3");
    EXPECT_EQ(Wait(*pid), 0);
    EXPECT_EQ(::fcntl(exec_fd.get(), F_GETFD), FD_CLOEXEC);  // ours, untouched
  }
}

TEST(SpawnScriptTest, RefusesStdioNumbersAsScriptFds) {
  UniqueFd exec_fd(::open("/bin/true", O_RDONLY | O_CLOEXEC));
  auto pid = SpawnScript(Request({"/bin/true"}), SpawnFds{0, 1, 2, exec_fd.get()});
  EXPECT_FALSE(pid.ok());
}

}  // namespace
}  // namespace cppcgi

namespace cppcgi {
namespace {

// By name (what identity helpers do, as the suEXEC wrapper does): the passed
// fd is the script's directory, which becomes the working directory; the
// kernel reads the #! line, the interpreter gets the bare name, and a
// symbolic link in its place is not followed.
TEST(SpawnScriptTest, ByNameInThePassedDirectory) {
  char tmpl[] = "/tmp/cppcgi-byname-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string script = dir + "/x.cgi";
  FILE* f = std::fopen(script.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("#!/bin/sh\necho \"$0 $(pwd)\"\n", f);
  std::fclose(f);
  ASSERT_EQ(::chmod(script.c_str(), 0700), 0);
  ASSERT_EQ(::symlink("x.cgi", (dir + "/link.cgi").c_str()), 0);
  UniqueFd dir_fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(dir_fd.valid());
  auto run = [&](const std::string& name, std::string* output) -> StatusOr<int> {
    auto in = MakePipe(), out = MakePipe(), err = MakePipe();
    wire::SpawnRequest req = Request({name});
    req.path = dir + "/" + name;
    req.cwd = "/";  // ignored: the directory passed is where it runs
    req.exec_name = name;
    auto pid = SpawnScript(req, SpawnFds{in->first.get(), out->second.get(), err->second.get(), dir_fd.get()});
    if (!pid.ok()) return pid.status();
    out->second.reset();
    *output = ReadAll(out->first.get());
    return Wait(*pid);
  };
  std::string output;
  auto status = run("x.cgi", &output);
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_EQ(output, "x.cgi " + dir + "\n");
  auto link = run("link.cgi", &output);  // refused before the clone: not a regular file
  EXPECT_FALSE(link.ok());
  auto missing = run("none.cgi", &output);
  EXPECT_FALSE(missing.ok());
  ::unlink((dir + "/link.cgi").c_str());
  ::unlink(script.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace cppcgi
