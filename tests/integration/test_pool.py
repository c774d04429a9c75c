# SPDX-License-Identifier: Apache-2.0
"""The pool in production: limits, timeouts, disconnects, caps, accounting."""

import http.client
import os
import subprocess
import threading
import time

import pytest


from httpd_server import shared_dir as _shared_dir
from waits import wait_script_running, wait_until
from httpd_server import wait_for_pids as _pids_from
from httpd_server import wait_gone as _gone


def _session(pid):
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[3])


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
    from conftest import serve
    yield from serve(POOL_CONF, script_dirs=("lim", "runtime", "capped"))


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


@pytest.mark.expect_log("CPPCGI0010")
def test_timeout_ends_a_daemonized_grandchild(server):
    # The daemon left the script's session and process group, and its parent
    # exited: only the script being a subreaper keeps it in the tree.
    d = _shared_dir(server)
    mark = server.log_mark()
    result = []
    t = threading.Thread(target=lambda: result.append(server.get(f"/slow/daemon.sh?{d}/p+silent")))
    t.start()
    script, daemon = _pids_from(f"{d}/p")
    assert _session(daemon) != _session(script)  # it really left the script's session
    t.join(30)
    assert result[0][0] == 504
    assert _gone(script)
    assert _gone(daemon, 10)  # it ignores SIGTERM: SIGKILL after the 3 s grace
    server.wait_for_log(mark, r"CPPCGI0010: script .*daemon\.sh \(pid %d\)" % script)


def test_background_job_outlives_its_script_until_stop(fresh_server):
    srv = fresh_server()
    srv.start()
    d = _shared_dir(srv)
    status, _, body = srv.get(f"/cgi-bin/daemon.sh?{d}/p+exit")
    assert (status, body) == (200, b"started\n")
    script, daemon = _pids_from(f"{d}/p")
    assert _gone(script)
    # Like mod_cgi, a script that exits normally may leave a background job;
    # it is adopted by a helper (reaped when it ends) ...
    time.sleep(0.5)
    assert os.path.exists(f"/proc/{daemon}")
    ppid = int(open(f"/proc/{daemon}/stat").read().rsplit(")", 1)[1].split()[1])
    assert ppid in srv.helper_pids()
    # ... and ended when the server stops.
    left = srv.stop()
    assert not left
    assert _gone(daemon, 10)


@pytest.mark.expect_log("CPPCGI0018")
def test_cap_gives_503_with_retry_after(pool_server):
    srv = pool_server
    n = 2
    results = []

    def hold():
        results.append(srv.get("/capped/sleep.sh?3", timeout=30))  # holds its slot for 3 s

    holders = [threading.Thread(target=hold) for _ in range(n)]
    for t in holders:
        t.start()
    wait_script_running(srv, "sleep.sh", count=n)
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


def test_total_cap(fresh_server):
    srv = fresh_server(extra_conf="CppCgiMaxScriptsTotal 1\n")
    srv.start()
    t = threading.Thread(target=lambda: srv.get("/cgi-bin/sleep.sh?2", timeout=30))
    t.start()
    wait_script_running(srv, "sleep.sh")
    mark = srv.log_mark()
    assert srv.get("/cgi-bin/env.py")[0] == 503
    srv.wait_for_log(mark, r"CPPCGI0018: .*server-wide CppCgiMaxScriptsTotal limit of 1")
    t.join(30)
    assert srv.get("/cgi-bin/env.py")[0] == 200


@pytest.mark.expect_log("CPPCGI0008")
def test_accounting_notes_in_access_log(pool_server):
    srv = pool_server
    assert srv.get("/cgi-bin/bigout.py?100000")[0] == 200
    assert srv.get("/cgi-bin/noheaders.sh")[0] == 500
    def both_logged():
        lines = open(srv.path("logs", "cppcgi.log")).read().splitlines()
        return lines if any("noheaders.sh" in l for l in lines) and any("bigout.py" in l for l in lines) else None
    lines = wait_until(both_logged, 5) or []
    big = [l for l in lines if l.endswith("/cgi-bin/bigout.py")][-1].split()
    assert big[0] == "200" and big[1] == "exit:0"
    wall, ttfb, user, sys_, rss = (int(x) for x in big[2:7])
    assert 0 < ttfb <= wall + 1000000 and wall > 0 and user + sys_ > 0 and rss > 1000
    bad = [l for l in lines if l.endswith("/cgi-bin/noheaders.sh")][-1].split()
    assert bad[0] == "500" and bad[1] == "exit:3"


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
    before = srv.invariant_snapshot()
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
    # No fd more than before in any worker (but for the one helper
    # connection a thread may keep), nothing left below the helpers.
    assert not srv.invariant_problems(before)
    # httpd's parent reaps its own workers once a second (and prefork retires
    # one spare worker a second after load): a zombie is a leak only if the
    # same process is still one 3 s later.
    first = {p["pid"] for p in srv.process_tree() if p["state"] == "Z"}
    time.sleep(3)
    lasting = [p for p in srv.process_tree() if p["state"] == "Z" and p["pid"] in first]
    assert not lasting, lasting


def _tiny_cgi(srv):
    path = srv.path("cgi-bin", "tiny.cgi")
    if not os.path.exists(path):
        src = srv.path("tiny.c")
        with open(src, "w") as f:
            f.write('#include <unistd.h>\nint main(void){static const char m[]="Content-Type: text/plain\\n\\nok\\n";'
                    'write(1,m,sizeof m-1);return 0;}\n')
        subprocess.run(["cc", "-O2", "-o", path, src], check=True)
        os.chmod(path, 0o755)
    return "/cgi-bin/tiny.cgi"


class Load:
    """Bounded load: `threads` clients, each at most `max_requests`, until stopped (or 60 s)."""

    def __init__(self, srv, path, threads=4, max_requests=5000):
        self.srv, self.path = srv, path
        self.ok = 0
        self.failures = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(max_requests,)) for _ in range(threads)]

    def _run(self, max_requests):
        deadline = time.time() + 60
        for _ in range(max_requests):
            if self.stop.is_set() or time.time() > deadline:
                return
            try:
                status, _, body = self.srv.get(self.path, timeout=20)
                good = status == 200 and body == b"ok\n"
            except OSError as e:
                status, good = repr(e), False
            with self.lock:
                if good:
                    self.ok += 1
                else:
                    self.failures.append(status)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)


@pytest.mark.expect_log("CPPCGI0102")
@pytest.mark.expect_log("CPPCGI0102", "CPPCGI0027", "CPPCGI0006", "CPPCGI0008")
def test_kill_helper_under_load(fresh_server):
    srv = fresh_server()
    srv.start()
    path = _tiny_cgi(srv)
    with Load(srv, path) as load:
        wait_until(lambda: load.ok >= 20, what="the load under way")
        victim = srv.helper_pids()[0]
        os.kill(victim, 9)
        killed_at = time.time()
        while len(set(srv.helper_pids()) - {victim}) < 2 and time.time() - killed_at < 5:
            time.sleep(0.01)
        whole_after = time.time() - killed_at
        time.sleep(1.0)
    print(f"\nkill -9 helper under load: {load.ok} ok, {len(load.failures)} failed, pool whole after "
          f"{whole_after:.3f} s")
    assert whole_after <= 1.5, whole_after
    assert load.ok > 100
    # Only a request the dead helper had accepted but not yet answered can fail
    # (CPPCGI0027, or CPPCGI0008 for a script it had started).
    assert len(load.failures) <= 1, load.failures


@pytest.mark.expect_log("CPPCGI0102", "CPPCGI0008")
def test_helper_death_ends_its_scripts(fresh_server):
    srv = fresh_server()
    srv.start()
    d = _shared_dir(srv)
    mark = srv.log_mark()
    result = []

    def request():
        start = time.time()
        try:
            result.append(srv.get(f"/cgi-bin/pidfile.sh?{d}/p", timeout=20)[0])
        except (OSError, http.client.HTTPException) as e:
            result.append(repr(e))
        result.append(time.time() - start)

    t = threading.Thread(target=request)
    t.start()
    script, child = _pids_from(f"{d}/p")
    helper = int(open(f"/proc/{script}/stat").read().rsplit(")", 1)[1].split()[1])
    assert helper in srv.helper_pids()
    os.kill(helper, 9)
    # The orphaned script and its child are killed by httpd's parent (E1).
    assert _gone(script, 5) and _gone(child, 5)
    t.join(20)
    assert result[0] == 500, result  # ended before its headers
    assert result[1] < 5
    srv.wait_for_log(mark, r"CPPCGI0102: helper %d left 1 running scripts; killed them" % helper)
    assert srv.get("/cgi-bin/env.py")[0] == 200


def test_graceful_restart_under_load_loses_nothing(fresh_server):
    srv = fresh_server()
    srv.start()
    path = _tiny_cgi(srv)
    mark = srv.log_mark()
    with Load(srv, path) as load:
        time.sleep(0.7)
        srv.signal("graceful")
        time.sleep(1.0)
        srv.signal("graceful")
        time.sleep(1.0)
    print(f"\ngraceful restarts under load: {load.ok} ok, {len(load.failures)} failed")
    assert load.ok > 100
    assert load.failures == []
    log = srv.log_since(mark)
    assert "long lost child" not in log, log
    for unreachable in ("CPPCGI0006", "CPPCGI0026", "CPPCGI0027"):  # no helper, no pool, a silent helper
        assert unreachable not in log, log


def test_graceful_stop_finishes_request_and_leaves_nothing(fresh_server):
    srv = fresh_server()
    srv.start()
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("r", srv.get("/cgi-bin/sleep.sh?2", timeout=30)))
    t.start()
    wait_script_running(srv, "sleep.sh")
    tree = srv.process_tree()
    srv.signal("graceful-stop")
    t.join(30)
    assert result["r"][0] == 200 and result["r"][2] == b"slept 2\n"
    for p in tree:
        assert _gone(p["pid"], 15), p
    srv.parent_pid = None


def test_helpers_die_with_httpd_parent(fresh_server):
    srv = fresh_server()
    srv.start()
    helpers = srv.helper_pids()
    tree = srv.process_tree()
    os.kill(srv.parent_pid, 9)
    try:
        for pid in helpers:
            assert _gone(pid, 5), f"helper {pid} outlived httpd's parent"
    finally:
        for p in tree:  # workers are not ours to judge here; never leave them behind
            try:
                os.kill(p["pid"], 9)
            except OSError:
                pass
        srv.parent_pid = None


def test_socket_is_private_to_the_server_user(server):
    run = server.path("run")
    socks = [n for n in os.listdir(run) if n.startswith("cppcgi.") and n.endswith(".sock")]
    assert socks == [f"cppcgi.{server.parent_pid}.sock"]
    st = os.stat(os.path.join(run, socks[0]))
    assert st.st_mode & 0o777 == 0o600
    if os.geteuid() == 0:
        import pwd
        assert st.st_uid == pwd.getpwnam("www-data").pw_uid
