"""The pool in production: limits, timeouts, disconnects, caps, accounting."""

import http.client
import os
import socket
import subprocess
import tempfile
import threading
import time

import pytest


def _gone(pid, timeout=8):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not os.path.exists(f"/proc/{pid}"):
            return True
        time.sleep(0.05)
    return False


def _pids_from(path, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            text = open(path).read().split()
            if len(text) == 2:
                return [int(x) for x in text]
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("script did not write its pids")


def _shared_dir(srv):
    d = tempfile.mkdtemp(prefix="pids-", dir=srv.root)
    os.chmod(d, 0o777)
    return d


POOL_CONF = """
ScriptAlias /lim/ "{root}/lim/"
ScriptAlias /runtime/ "{root}/runtime/"
ScriptAlias /capped/ "{root}/capped/"
<Directory "{root}/lim">
  RLimitCPU 7 9
  RLimitMEM 600000000 700000000
  RLimitNPROC 300 400
</Directory>
<Directory "{root}/runtime">
  CppCgiMaxRunTime 1
  CppCgiIdleTimeout 30
</Directory>
<Directory "{root}/capped">
  CppCgiMaxScripts 2
</Directory>
LogFormat "%>s %{{cppcgi-status}}n %{{cppcgi-wall-us}}n %{{cppcgi-ttfb-us}}n %{{cppcgi-user-us}}n %{{cppcgi-sys-us}}n %{{cppcgi-maxrss-kb}}n %U" cppcgi
CustomLog "{root}/logs/cppcgi.log" cppcgi
"""


@pytest.fixture(scope="module")
def pool_server():
    from conftest import make_server, HERE
    srv = make_server()
    for d in ("lim", "runtime", "capped"):
        srv.add_dir(d, os.path.join(HERE, "scripts"))
    srv.extra_conf += POOL_CONF.format(root=srv.root)
    srv.start()
    yield srv
    left = srv.stop()
    srv.cleanup()
    assert not left


def test_rlimits_apply_to_scripts(pool_server):
    status, _, body = pool_server.get("/lim/limits.py")
    assert status == 200
    lines = {l[:26].strip(): l[26:].split() for l in body.decode().splitlines() if l.startswith("Max ")}
    assert lines["Max cpu time"][:2] == ["7", "9"], lines
    assert lines["Max address space"][:2] == ["600000000", "700000000"], lines
    assert lines["Max processes"][:2] == ["300", "400"], lines
    # Elsewhere no limit is imposed.
    _, _, body = pool_server.get("/cgi-bin/limits.py")
    assert "Max cpu time              unlimited" in body.decode()


def test_max_run_time_after_headers_cuts_the_response(pool_server):
    srv = pool_server
    mark = srv.log_mark()
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
    c.request("GET", "/runtime/trickle.sh")
    resp = c.getresponse()
    assert resp.status == 200
    first = resp.readline()
    pid = int(first.split()[1])
    start = time.time()
    with pytest.raises(http.client.IncompleteRead):
        resp.read()  # no final chunk: the client can tell it is incomplete
    assert time.time() - start < 10
    c.close()
    srv.wait_for_log(mark, r"CPPCGI0017: script .*trickle\.sh \(pid %d\) ran \d+ ms, over CppCgiMaxRunTime "
                           r"\(1000 ms\); sending SIGTERM" % pid)
    assert _gone(pid)
    assert "CPPCGI0017" in srv.log_since(mark)


def test_max_run_time_before_headers_is_504(pool_server):
    srv = pool_server
    d = _shared_dir(srv)
    mark = srv.log_mark()
    start = time.time()
    status, _, _ = srv.get(f"/runtime/pidfile.sh?{d}/p")
    assert status == 504
    assert time.time() - start < 10
    script, child = _pids_from(f"{d}/p")
    # The script and the background child in its process group are both ended.
    assert _gone(script) and _gone(child)
    srv.wait_for_log(mark, r"CPPCGI0017")


@pytest.mark.expect_log("CPPCGI0010")
def test_idle_timeout_kills_script_and_its_group(server):
    d = _shared_dir(server)
    mark = server.log_mark()
    assert server.get(f"/slow/pidfile.sh?{d}/p")[0] == 504
    script, child = _pids_from(f"{d}/p")
    assert _gone(script) and _gone(child)
    server.wait_for_log(mark, r"CPPCGI0010: script .*pidfile\.sh \(pid %d\) produced no output for 1000 ms" % script)


def test_client_disconnect_ends_silent_script(pool_server):
    srv = pool_server
    d = _shared_dir(srv)
    mark = srv.log_mark()
    s = socket.create_connection(("127.0.0.1", srv.port))
    s.sendall(f"GET /cgi-bin/pidfile.sh?{d}/p HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    script, child = _pids_from(f"{d}/p")
    s.close()
    assert _gone(script, 5) and _gone(child, 5)
    srv.wait_for_log(mark, r"CPPCGI0013: client went away; ending script .*pidfile\.sh \(pid %d\)" % script)


@pytest.mark.expect_log("CPPCGI0018")
def test_cap_gives_503_with_retry_after(pool_server):
    srv = pool_server
    d = _shared_dir(srv)
    n = 2
    results = []

    def hold():
        # rendezvous.py waits until 3 are present (never, with a cap of 2) or 10 s: long enough.
        results.append(srv.get(f"/capped/sleep.sh?3", timeout=30))

    holders = [threading.Thread(target=hold) for _ in range(n)]
    for t in holders:
        t.start()
    time.sleep(1.0)
    mark = srv.log_mark()
    start = time.time()
    status, headers, _ = srv.get("/capped/env.py")
    assert status == 503
    assert headers.get("retry-after") == "1"
    assert time.time() - start < 2  # answered fast
    srv.wait_for_log(mark, r"CPPCGI0018: not starting .*env\.py: this directory's CppCgiMaxScripts limit of 2 "
                           r"running scripts already run; answering 503")
    # Other directories are not affected.
    assert srv.get("/cgi-bin/env.py")[0] == 200
    for t in holders:
        t.join(30)
    assert [r[0] for r in results] == [200, 200]
    assert srv.get("/capped/env.py")[0] == 200  # the count went back down
    del d


def test_total_cap(fresh_server):
    srv = fresh_server(extra_conf="CppCgiMaxScriptsTotal 1\n")
    srv.start()
    t = threading.Thread(target=lambda: srv.get("/cgi-bin/sleep.sh?2", timeout=30))
    t.start()
    time.sleep(0.7)
    mark = srv.log_mark()
    assert srv.get("/cgi-bin/env.py")[0] == 503
    srv.wait_for_log(mark, r"CPPCGI0018: .*server-wide CppCgiMaxScriptsTotal limit of 1")
    t.join(30)
    assert srv.get("/cgi-bin/env.py")[0] == 200


def test_accounting_notes_in_access_log(pool_server):
    srv = pool_server
    assert srv.get("/cgi-bin/bigout.py?100000")[0] == 200
    assert srv.get("/cgi-bin/noheaders.sh")[0] == 500
    deadline = time.time() + 5
    lines = []
    while time.time() < deadline:
        lines = open(srv.path("logs", "cppcgi.log")).read().splitlines()
        if any("noheaders.sh" in l for l in lines) and any("bigout.py" in l for l in lines):
            break
        time.sleep(0.05)
    big = [l for l in lines if l.endswith("/cgi-bin/bigout.py")][-1].split()
    assert big[0] == "200" and big[1] == "exit:0"
    wall, ttfb, user, sys_, rss = (int(x) for x in big[2:7])
    assert 0 < ttfb <= wall + 1000000 and wall > 0 and user + sys_ > 0 and rss > 1000
    bad = [l for l in lines if l.endswith("/cgi-bin/noheaders.sh")][-1].split()
    assert bad[0] == "500" and bad[1] == "exit:3"


def _fd_counts(srv):
    counts = {}
    for p in srv.process_tree():
        if p["ppid"] == srv.parent_pid and p["comm"] != "cppcgi-helper":
            try:
                counts[p["pid"]] = len(os.listdir(f"/proc/{p['pid']}/fd"))
            except OSError:
                pass
    return counts


def test_no_fd_growth_or_zombies_after_many_requests(pool_server):
    srv = pool_server
    src = srv.path("tiny.c")
    with open(src, "w") as f:
        f.write('#include <unistd.h>\nint main(void){static const char m[]="Content-Type: text/plain\\n\\nok\\n";'
                'write(1,m,sizeof m-1);return 0;}\n')
    subprocess.run(["cc", "-O2", "-o", srv.path("cgi-bin", "tiny.cgi"), src], check=True)
    os.chmod(srv.path("cgi-bin", "tiny.cgi"), 0o755)
    # Warm up every worker thread's lazily opened files first.
    for _ in range(50):
        assert srv.get("/cgi-bin/tiny.cgi")[0] == 200
    before = _fd_counts(srv)
    total = 10000
    errors = []

    def worker(k):
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        for _ in range(total // 8):
            c.request("GET", "/cgi-bin/tiny.cgi")
            r = c.getresponse()
            if r.read() != b"ok\n" or r.status != 200:
                errors.append(r.status)
        c.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    deadline = time.time() + 300
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1, deadline - time.time()))
    assert not errors
    time.sleep(0.5)
    after = _fd_counts(srv)
    for pid, n in before.items():
        if pid in after:
            assert after[pid] <= n, (pid, n, after[pid])
    zombies = [p for p in srv.process_tree() if p["state"] == "Z"]
    assert not zombies, zombies
