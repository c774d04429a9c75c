# SPDX-License-Identifier: Apache-2.0
"""Hostile scenarios C (hostile or broken scripts), D (filesystem and exec
checks) and F (resource limits): see test_adversarial.py."""

import os
import socket
import threading
import time

import pytest

from adversarial import PY, SH, one_log_line, raw, raw_exchange, run_case
from httpd_server import wait_gone
from waits import wait_script_running, wait_until


# -- C. Hostile or broken scripts -------------------------------------------------------------------
def _gone(pid, timeout=10):
    return wait_gone(pid, timeout)


def _pid_file(srv):
    import tempfile
    d = tempfile.mkdtemp(prefix="adv-", dir=srv.root)
    os.chmod(d, 0o777)
    return d + "/pid"


def _read_pid(path, timeout=10):
    def pid():
        try:
            return int(open(path).read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
    return wait_until(pid, timeout, what=f"a pid in {path}")


def test_c1_fork_bomb_is_bounded_and_ended(adv):
    # Bounded by RLimitNPROC 60 (all processes of the uid count, so the
    # server's own are part of it); the idle timeout ends the whole tree.
    mark = adv.log_mark()
    adv.write_script("adv-nproc/c1", PY + """import time
for _ in range(200):
    try:
        os.fork()
    except OSError:
        break
time.sleep(30)
""")
    start = time.time()
    status, _, _ = adv.get("/adv-nproc/c1", timeout=30)
    assert status == 504
    assert time.time() - start < 10
    one_log_line(adv, mark, "CPPCGI0010", "c1")
    # Other requests are served meanwhile and afterwards (the invariants check the tree is gone).
    assert run_case(adv, "served", raw(b"Content-Type: text/plain\n\nok"))[0] == 200


def test_c4_closed_stdout_ends_the_response_and_the_script(adv):
    pid_file = _pid_file(adv)
    script = SH + f"echo $$ > {pid_file}\nprintf 'Content-Type: text/plain\\n\\ndone'\nexec >&-\nsleep 60\n"
    start = time.time()
    status, _, body = run_case(adv, "c4", script)
    assert (status, body) == (200, b"done")
    assert time.time() - start < 5  # not the 2 s idle timeout after a hang, and no cut-off
    assert _gone(_read_pid(pid_file), 8)


@pytest.mark.expect_log("CPPCGI0001")
def test_c5_flood_on_stderr_and_stdout_at_once(adv):
    mark = adv.log_mark()
    script = PY + """import threading
def err():
    line = b'e' * 1023 + b'\\n'
    for _ in range(100 * 1024):
        sys.stderr.buffer.write(line)
t = threading.Thread(target=err)
t.start()
out.write(b'Content-Type: application/octet-stream\\n\\n')
block = b'o' * 65536
for _ in range(1600):
    out.write(block)
t.join()
"""
    status, _, body = run_case(adv, "c5", script, timeout=120)
    assert status == 200 and len(body) == 1600 * 65536
    one_log_line(adv, mark, "CPPCGI0020", "c5")  # logged up to CppCgiStderrLimit, then one line


def test_c6_daemon_holding_stdout_does_not_hold_the_response(adv):
    pid_file = _pid_file(adv)
    # The grandchild keeps the script's stdout and stderr open and outlives it.
    script = SH + f"""printf 'Content-Type: text/plain\\n\\nbye'
( setsid sh -c 'echo $$ > {pid_file}; exec sleep 60' & )
exit 0
"""
    adv.write_script("adv-drain/c6", script)
    start = time.time()
    status, _, body = adv.request("GET", "/adv-drain/c6", timeout=30)
    assert (status, body) == (200, b"bye")
    assert time.time() - start < 5
    # A background job of a script that exited normally is left alone (as
    # with mod_cgi) until the server stops; end it here for the invariants.
    os.kill(_read_pid(pid_file), 9)


@pytest.mark.parametrize("when", ["before", "after"])
def test_c9_killed_by_a_signal(adv, when):
    mark = adv.log_mark()
    if when == "before":
        status, _, _ = run_case(adv, "c9", SH + "kill -SEGV $$\n")
        assert status == 500
        one_log_line(adv, mark, "CPPCGI0008", "killed by signal 11")
        return
    adv.write_script("adv/c9-after", SH + "printf 'Content-Type: text/plain\\n\\npartial'\nkill -SEGV $$\n")
    reply = raw_exchange(adv, b"GET /adv/c9-after HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b"200 OK" in reply and b"partial" in reply
    assert not reply.endswith(b"0\r\n\r\n")  # no last chunk: the client sees a cut-off response
    one_log_line(adv, mark, "CPPCGI0023", "killed by signal 11")


def test_c10_stdin_is_at_eof_without_a_body(adv):
    start = time.time()
    status, _, body = run_case(adv, "c10", SH + "n=$(cat | wc -c)\nprintf 'Content-Type: text/plain\\n\\n%s' $n\n")
    assert (status, body.strip()) == (200, b"0")
    assert time.time() - start < 2


@pytest.mark.parametrize("method,body,expected", [
    ("GET", None, b"chr 0"),         # no body: /dev/null, no pipe
    ("POST", b"", b"chr 0"),          # Content-Length: 0, the same
    ("POST", b"abc", b"fifo 3"),      # a body: the pipe it is fed through
])
def test_c10_stdin_is_dev_null_only_without_a_body(adv, method, body, expected):
    script = PY + """import stat
mode = os.fstat(0).st_mode
kind = 'chr' if stat.S_ISCHR(mode) else 'fifo' if stat.S_ISFIFO(mode) else 'other'
out.write(b'Content-Type: text/plain\\n\\n' + f'{kind} {len(sys.stdin.buffer.read())}'.encode())
"""
    status, _, reply = run_case(adv, "c10-kind", script, method=method, body=body)
    assert (status, reply) == (200, expected)


def test_c11_trickled_headers_time_out(adv):
    mark = adv.log_mark()
    script = PY + """import time
for c in b'Content-Type: text/plain\\nX-Slow: ' + b'a' * 100:
    out.write(bytes([c])); out.flush(); time.sleep(0.1)
"""
    start = time.time()
    status, _, _ = run_case(adv, "c11", script)
    assert status == 504
    assert time.time() - start < 5  # the 2 s idle timeout bounds the whole header section
    one_log_line(adv, mark, "CPPCGI0010", "did not finish its headers")


@pytest.mark.expect_log("CPPCGI0001")
def test_c12_memory_limit(adv):
    adv.write_script("adv-mem/c12", PY + "x = bytearray(1 << 30)\nout.write(b'Content-Type: text/plain\\n\\nno')\n")
    mark = adv.log_mark()
    status, _, _ = adv.get("/adv-mem/c12")
    assert status == 500
    one_log_line(adv, mark, "CPPCGI0008", "exited with status 1")


# -- D. Filesystem and exec checks ------------------------------------------------------------------
def test_d12_nested_shebang_is_refused_with_its_own_message(adv):
    # The kernel allows one level of #! nesting by path, but a #! file exec'd
    # from a descriptor fails with ENOENT: say what is wrong instead.
    mark = adv.log_mark()
    adv.write_script("adv/d12-interp", "#!/bin/sh\nexec /bin/sh \"$@\"\n")
    status, _, _ = run_case(adv, "d12", f"#!{adv.root}/adv/d12-interp\nprintf 'Content-Type: text/plain\\n\\nnested'\n")
    assert status == 500
    one_log_line(adv, mark, "CPPCGI0320", "is itself a #! script")


def test_d15_script_replaced_while_running(adv):
    # The running instance completes from the file it was started from; the
    # next request runs (and checks) the new one.
    path = adv.write_script("adv/d15", SH + "sleep 1\nprintf 'Content-Type: text/plain\\n\\nold'\n")
    result = []
    t = threading.Thread(target=lambda: result.append(adv.get("/adv/d15")))
    t.start()
    pids = wait_script_running(adv, "d15")
    # Started is not enough: sh reads its file by name after it starts. Once it
    # has forked sleep(1), it has read the file it runs.
    wait_until(lambda: any(p["comm"] == "sleep" and p["ppid"] in pids for p in adv.below_helpers()), 10,
               what="sleep(1) below the d15 script")
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(SH + "printf 'Content-Type: text/plain\\n\\nnew'\n")
    os.chmod(tmp, 0o757)  # writable by others: the new file must be checked, not a cached verdict
    os.rename(tmp, path)
    t.join(30)
    assert result[0][0] == 200 and result[0][2] == b"old"
    mark = adv.log_mark()
    assert adv.get("/adv/d15")[0] == 403
    one_log_line(adv, mark, "CPPCGI0301", "d15")
    os.chmod(path, 0o755)
    assert adv.get("/adv/d15")[2] == b"new"


# -- F. Resource limits -----------------------------------------------------------------------------
def test_f2_environment_too_large_is_a_clear_500(fresh_server):
    srv = fresh_server(extra_conf="LimitRequestFieldSize 1048576\nLimitRequestLine 1048576\n")
    srv.write_script("cgi-bin/f2.sh", SH + "printf 'Content-Type: text/plain\\n\\nran'\n")
    srv.start()
    mark = srv.log_mark()
    headers = {f"X-Big-{i}": "v" * 900000 for i in range(5)}  # 4.5 MB of environment
    status, _, _ = srv.get("/cgi-bin/f2.sh", headers=headers)
    assert status == 500
    srv.wait_for_log(mark, r"CPPCGI0028: cannot prepare to run .*f2\.sh: .*(environment|wire limit)")


def test_f4_many_concurrent_disconnects_during_streaming(adv):
    adv.write_script("adv/f4", PY + """import time
out.write(b'Content-Type: text/plain\\n\\n')
while True:
    out.write(b'x' * 65536)
    out.flush()
""")
    # 16: below the test servers' MaxRequestWorkers (20 under prefork, which
    # also needs a few seconds to start that many processes).
    socks = []
    for _ in range(16):
        s = socket.create_connection(("127.0.0.1", adv.port), timeout=30)
        s.sendall(b"GET /adv/f4 HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    for s in socks:
        assert s.recv(65536)  # streaming has started
    for s in socks:
        s.close()
    # The invariants fixture then requires every script to be gone (kill grace + sweeps).
    assert run_case(adv, "served", raw(b"Content-Type: text/plain\n\nok"))[0] == 200
