# SPDX-License-Identifier: Apache-2.0
"""Hostile scenarios E (helper pool and server faults) and G (environment
and identity): see test_adversarial.py."""

import http.client
import os
import re
import shutil
import socket
import struct
import tempfile
import threading
import time

import pytest

from adversarial import ENV_DUMP, PY, SH, one_log_line, parse_env
from httpd_server import ALARMING, read_to_eof
from waits import wait_until


# -- E. Helper pool and server faults ---------------------------------------------------------------
@pytest.fixture
def own_server(fresh_server):
    srv = fresh_server()
    srv.write_script("cgi-bin/e.sh", SH + "printf 'Content-Type: text/plain\\n\\nok'\n")
    srv.start()
    return srv


def fault_injection_built(srv):
    """The module reads CPPCGI_FAULT (built with -DCPPCGI_FAULT_INJECTION=ON, as
    tests/run-all.sh's sanitized build is); CPPCGI_REQUIRE_FAULTS=1 makes its absence a failure."""
    with open(srv.module, "rb") as f:
        if b"CPPCGI_FAULT" in f.read():
            return True
    if os.environ.get("CPPCGI_REQUIRE_FAULTS") == "1":
        pytest.fail(f"{srv.module} was built without -DCPPCGI_FAULT_INJECTION=ON")
    pytest.skip("module built without -DCPPCGI_FAULT_INJECTION=ON (tests/run-all.sh's sanitized build has it)")


@pytest.mark.parametrize("fault,cause", [
    ("bad-started", r"bad frame magic"),
    ("exited-first", r"an exit report where the start report was due"),
    ("bad-exited", r"bad frame magic"),
])
def test_e7_malformed_helper_answer_is_502_and_retires_the_helper(fresh_server, monkeypatch, fault, cause):
    srv = fresh_server()
    fault_injection_built(srv)
    srv.write_script("cgi-bin/e7.sh", SH + "printf 'Content-Type: text/plain\\n\\nok'\n")
    monkeypatch.setenv("CPPCGI_FAULT", fault)  # every helper answers every request this way
    srv.start()
    helpers = set(srv.helper_pids())
    assert len(helpers) == 2
    snap = srv.invariant_snapshot()
    mark = srv.log_mark()
    with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as s:
        s.sendall(b"GET /cgi-bin/e7.sh HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = read_to_eof(s)
    head = answer.split(b"\r\n", 1)[0]
    if fault == "bad-exited":
        # The output was read before the exit report: either a 502, or a
        # chunked 200 cut off without its last chunk (the connection closes).
        assert head == b"HTTP/1.1 502 Bad Gateway" or (
            head == b"HTTP/1.1 200 OK" and not answer.endswith(b"0\r\n\r\n")), answer
    else:
        assert head == b"HTTP/1.1 502 Bad Gateway", answer
    line = one_log_line(srv, mark, "CPPCGI0016", r"helper (\d+) sent a malformed or out-of-turn answer while "
                        r"running \S+e7\.sh \(.*" + cause + r".*\); dropped its connection, which ends the "
                        r"script, and retired the helper")
    retired = int(re.search(r"helper (\d+) sent", line).group(1))
    assert retired in helpers
    srv.wait_for_log(mark, rf"CPPCGI0106: helper {retired} retired after a malformed answer")
    wait_until(lambda: retired not in srv.helper_pids() and len(srv.helper_pids()) == 2)
    now = set(srv.helper_pids())
    assert retired not in now and len(now) == 2, now
    alarming = [ln for ln in srv.log_since(mark).splitlines() if ALARMING.search(ln) and "CPPCGI0016" not in ln]
    assert not alarming, alarming
    assert srv.invariant_problems(snap) == []


def _fake_helper(srv):
    """This test process on the helpers' socket path (any build)."""
    path = [os.path.join(srv.path("run"), n) for n in os.listdir(srv.path("run")) if n.endswith(".sock")][0]
    os.unlink(path)
    fake = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    fake.bind(path)
    os.chmod(path, 0o777)
    fake.listen(4)
    fake.settimeout(30)
    return fake


def _take_request(conn):
    """Reads one spawn request and closes the descriptors that came with it."""
    _, ancillary, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * 4))
    for level, kind, data in ancillary:  # the script's pipe ends and file: not ours to keep
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            for fd in memoryview(data).cast("i"):
                os.close(fd)


def _get_with_fake_helper(srv, fake, serve, path):
    """GET path while serve() answers in the helpers' place on `fake`."""
    t = threading.Thread(target=serve)
    t.start()
    try:
        return srv.get(path, timeout=30)[0]
    finally:
        t.join(30)
        fake.close()


def test_e7_garbage_from_a_process_that_is_no_helper_is_502_and_nothing_is_signalled(fresh_server):
    """Any build: this test process takes the helpers' socket path and answers
    garbage. The worker names the sender (this process, as the kernel says),
    sees it is no child of httpd's parent, and does not signal it (SIGUSR2
    would have ended pytest)."""
    srv = fresh_server()
    srv.write_script("cgi-bin/e7.sh", SH + "printf 'Content-Type: text/plain\\n\\nok'\n")
    srv.start()
    fake = _fake_helper(srv)

    def answer_garbage():
        conn, _ = fake.accept()
        with conn:
            _take_request(conn)
            conn.sendall(b"\x00" * 12)  # a frame header with the wrong magic
            conn.recv(1)  # until the worker drops the connection

    mark = srv.log_mark()
    assert _get_with_fake_helper(srv, fake, answer_garbage, "/cgi-bin/e7.sh") == 502
    one_log_line(srv, mark, "CPPCGI0016", rf"helper {os.getpid()} sent a malformed or out-of-turn answer while running "
                 r"\S+e7\.sh \(bad frame magic\); dropped its connection, which ends the script, and could not "
                 r"retire it \(not a helper of this server")


def _frame(kind, payload):
    """One wire frame (mod_cppcgi/core/wire.h): magic, version 4, type, length."""
    return struct.pack("<IHHI", 0x47435043, 4, kind, len(payload)) + payload


def test_c6_an_exit_report_read_with_the_start_report_ends_the_response(fresh_server):
    """Any build: the "helper" (this test process) sends the start and exit
    reports in one write, as a helper does when the script exits at once and
    the worker is slow to read; the worker reads both with one recvmsg. The
    script's stdout stays open (as a daemonised grandchild would keep it): the
    response must end after the drain grace, not at the idle timeout (20 s)."""
    srv = fresh_server("CppCgiIdleTimeout 20\n")
    srv.write_script("cgi-bin/c6r.sh", SH + "printf 'Content-Type: text/plain\\n\\nbye'\n")
    srv.start()
    fake = _fake_helper(srv)
    answered, done = threading.Event(), threading.Event()

    def answer_both_at_once():
        conn, _ = fake.accept()
        with conn:
            _, ancillary, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * 4))
            fds = [fd for level, kind, data in ancillary
                   if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS for fd in memoryview(data).cast("i")]
            stdout = fds[1]
            for fd in fds[:1] + fds[2:]:
                os.close(fd)
            try:
                os.write(stdout, b"Content-Type: text/plain\n\nbye")
                conn.sendall(_frame(2, struct.pack("<iB", os.getpid(), 0)) +
                             _frame(4, struct.pack("<iqqqq", 0, 1000, 0, 0, 0)))
                answered.set()
                done.wait(30)  # stdout held open until the response is in
            finally:
                os.close(stdout)

    t = threading.Thread(target=answer_both_at_once)
    t.start()
    try:
        start = time.time()
        status, _, body = srv.get("/cgi-bin/c6r.sh", timeout=30)
        elapsed = time.time() - start
    finally:
        done.set()
        t.join(30)
        fake.close()
    assert answered.is_set()
    assert (status, body) == (200, b"bye")
    assert elapsed < 5, elapsed


# A CGI script that connects to the helpers' socket (it runs as User, which
# owns it) and asks, in a well-formed request, for a command to be run.
FOREIGN_REQUEST = PY + """import socket, struct, time
def s(b):
    return struct.pack("<I", len(b)) + b
def lst(items):
    return struct.pack("<I", len(items)) + b"".join(s(x) for x in items)
payload = (bytes(32) + s(b"/bin/sh") + s(b"/") + s(b"") + lst([b"/bin/sh", b"-c", b"touch %(marker)s"]) +
           lst([b"PATH=/usr/bin:/bin"]) + struct.pack("<IIII", 0, 0, 0, 0) + s(b"GET /x") + s(b"127.0.0.1") +
           struct.pack("<B", 0) + lst([]))
frame = struct.pack("<IHHI", 0x47435043, 4, 1, len(payload)) + payload
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect("%(socket)s")
r, w = os.pipe()
nul = os.open("/dev/null", os.O_RDWR)
exe = os.open("/bin/sh", os.O_PATH)
c.sendmsg([frame], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("4i", nul, w, w, exe))])
os.close(w)
c.settimeout(10)
answer = c.recv(4096)
time.sleep(0.5)
out.write(b"Content-Type: text/plain\\n\\n")
out.write(("pid=%%d answer=%%d ran=%%s" %% (os.getpid(), len(answer), os.path.exists("%(marker)s"))).encode())
"""


def test_a_script_cannot_give_a_helper_work(fresh_server):
    """Issue 26, part 1: a script runs as User, as the helpers' socket's owner
    does, so it can connect; its well-formed request lacks the worker key only
    httpd's workers and helpers hold (drawn by httpd's parent, never in a file
    or the environment). The helper closes the connection unanswered, starts
    nothing, and says so with the script's pid."""
    srv = fresh_server()
    srv.start()
    socket_path = [os.path.join(srv.path("run"), n) for n in os.listdir(srv.path("run")) if n.endswith(".sock")][0]
    # Writable by User (pytest's tmp_path is not reachable): the command would have run.
    drop = tempfile.mkdtemp(prefix="cppcgi-drop-", dir="/tmp")
    os.chmod(drop, 0o777)
    marker = os.path.join(drop, "ran")
    try:
        _ask_a_helper_from_a_script(srv, socket_path, marker)
    finally:
        shutil.rmtree(drop)


def _ask_a_helper_from_a_script(srv, socket_path, marker):
    srv.write_script("cgi-bin/foreign.py", FOREIGN_REQUEST % {"marker": marker, "socket": socket_path})
    mark = srv.log_mark()
    status, _, body = srv.get("/cgi-bin/foreign.py", timeout=30)
    assert status == 200, body
    fields = dict(kv.split("=") for kv in body.decode().split())
    assert fields["answer"] == "0" and fields["ran"] == "False", body
    srv.wait_for_log(mark, rf"CPPCGI0104: helper \d+: refused a request to run /bin/sh from pid {fields['pid']}, which "
                     r"does not hold this server's worker key; started nothing; fix: ")
    assert not os.path.exists(marker)
    assert srv.get("/cgi-bin/foreign.py")[0] == 200  # the helpers serve on


def test_e1_a_helper_that_goes_silent_after_taking_the_request_is_503_and_not_retried(fresh_server):
    """Any build: the "helper" (this test process) reads the spawn request and
    closes the connection without an answer, as a helper killed at that moment
    would. The script may have started there, so the worker does not send the
    request again: 503, and a log line that says so."""
    srv = fresh_server()
    srv.write_script("cgi-bin/e1s.sh", SH + "printf 'Content-Type: text/plain\\n\\nok'\n")
    srv.start()
    fake = _fake_helper(srv)
    connections = []

    def take_and_hang_up():
        try:
            while True:
                conn, _ = fake.accept()
                connections.append(conn)
                _take_request(conn)
                conn.close()
                fake.settimeout(2)  # time enough for a retry to show up
        except OSError:
            pass

    mark = srv.log_mark()
    assert _get_with_fake_helper(srv, fake, take_and_hang_up, "/cgi-bin/e1s.sh") == 503
    assert len(connections) == 1, "the request was sent again"
    one_log_line(srv, mark, "CPPCGI0027", r"the helper did not say whether it started \S+e1s\.sh \(helper closed the "
                 r"connection\); not retried, since the script may have started")


@pytest.mark.expect_log("CPPCGI0027")
def test_e8_a_stopped_helper_does_not_stop_the_server(own_server):
    srv = own_server
    victim = srv.helper_pids()[0]
    os.kill(victim, 19)  # SIGSTOP
    try:
        # The other helper takes new connections (EPOLLEXCLUSIVE wakes a waiting
        # helper); a request the stopped one had already accepted would get
        # 503 after the 10 s start timeout.
        results = [srv.get("/cgi-bin/e.sh", timeout=30)[0] for _ in range(20)]
        assert results.count(200) >= 18, results
        assert set(results) <= {200, 503}
    finally:
        os.kill(victim, 18)  # SIGCONT
    assert srv.get("/cgi-bin/e.sh")[0] == 200


def test_e9_restart_storm_under_load(own_server):
    srv = own_server
    errors, done = [], threading.Event()

    def load():
        deadline = time.time() + 60
        while not done.is_set() and time.time() < deadline:
            try:
                status, _, body = srv.get("/cgi-bin/e.sh", timeout=30)
                if (status, body) != (200, b"ok"):
                    errors.append(status)
            except (OSError, http.client.HTTPException) as e:
                errors.append(repr(e))

    def parent_fds():
        return len(os.listdir(f"/proc/{srv.parent_pid}/fd"))

    fds_before = parent_fds()
    threads = [threading.Thread(target=load) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(15):
        mark = srv.log_mark()
        srv.signal("graceful")
        srv.wait_for_log(mark, "resuming normal operations")
        time.sleep(0.2)
    done.set()
    for t in threads:
        t.join(60)
    assert not errors, errors[:10]
    # The last generation settles (its helpers started, the old ones reaped).
    wait_until(lambda: parent_fds() <= fds_before and len(srv.helper_pids()) == 2, 5)
    assert parent_fds() <= fds_before
    assert len(srv.helper_pids()) == 2


def test_e11_socket_removed_at_runtime(own_server):
    srv = own_server
    sock = [os.path.join(srv.path("run"), n) for n in os.listdir(srv.path("run")) if n.endswith(".sock")][0]
    os.unlink(sock)
    mark = srv.log_mark()
    start = time.time()
    status, _, _ = srv.get("/cgi-bin/e.sh", timeout=30)
    assert status == 503 and time.time() - start < 8
    srv.wait_for_log(mark, r"CPPCGI0006: cannot hand .*e\.sh to a helper")
    mark = srv.log_mark()
    srv.signal("graceful")  # a new generation makes a new socket
    srv.wait_for_log(mark, "resuming normal operations")
    assert srv.get("/cgi-bin/e.sh")[0] == 200


# -- G. Environment and identity --------------------------------------------------------------------
def test_g2_httpd_environment_does_not_leak_into_scripts(fresh_server):
    from httpd_server import HTTPD_ENV
    srv = fresh_server()
    srv.write_script("cgi-bin/g2", ENV_DUMP)
    evil = {"PERL5OPT": "-Mevil", "PYTHONPATH": "/tmp/evil", "BASH_ENV": "/tmp/evil.sh", "ENV": "/tmp/evil.sh",
            "LD_PRELOAD_EXTRA": "x"}
    saved = dict(HTTPD_ENV)
    HTTPD_ENV.update(evil)
    try:
        srv.start()
    finally:
        HTTPD_ENV.clear()
        HTTPD_ENV.update(saved)
    status, _, body = srv.get("/cgi-bin/g2")
    assert status == 200
    env = parse_env(body)
    assert not set(evil) & set(env), set(evil) & set(env)
    assert env["PATH"] and "GATEWAY_INTERFACE" in env
