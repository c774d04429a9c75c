# SPDX-License-Identifier: Apache-2.0
"""CppCgiSuexec helpers (issue 26, part 2): for every SuexecUserGroup
identity, httpd's parent forks a helper that runs as that identity, and its
scripts run there: as their owner, after the wrapper's checks, with the
wrapper's environment, and without exec'ing the setuid wrapper. Two site
users are made for these tests (and removed after)."""

import grp
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

from httpd_server import MODULES_DIR, wait_gone
from test_status import PROMTOOL
from test_suexec import MISSING

pytestmark = pytest.mark.skipif(
    MISSING, reason="needs root and Debian's suEXEC wrapper (apt-get install apache2-suexec-pristine)")

DOC_ROOT = "/var/www"

ID_SH = """#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "uid=$(id -u) gid=$(id -g) groups=$(id -G) parent=$(ps -o comm= -p $PPID) parent_uid=$(ps -o uid= -p $PPID | tr -d ' ')"
echo "path=$PATH foo=${FOO:-unset} arg0=$0 cwd=$(pwd)"
"""


def _user(name, supplementary=None):
    cmd = ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
           "--shell", "/usr/sbin/nologin", name]
    if supplementary:
        cmd[1:1] = ["--groups", supplementary]
    subprocess.run(cmd, check=True, capture_output=True)
    return pwd.getpwnam(name)


def _script(path, text, owner, mode=0o755):
    with open(path, "w") as f:
        f.write(text)
    os.chown(path, owner.pw_uid, owner.pw_gid)
    os.chmod(path, mode)
    return path


@pytest.fixture(scope="module")
def sites():
    """Two site users, each with a cgi-bin under the wrapper's document root."""
    tag = os.getpid() % 100000
    extra = f"cppcgixg{tag}"
    subprocess.run(["groupadd", "--system", extra], check=True, capture_output=True)
    users = []
    base = tempfile.mkdtemp(prefix="cppcgi-sites-", dir=DOC_ROOT)
    os.chmod(base, 0o755)
    try:
        users = [_user(f"cppcgisa{tag}", supplementary=extra), _user(f"cppcgisb{tag}")]
        for u in users:
            d = os.path.join(base, u.pw_name, "cgi-bin")
            os.makedirs(d)
            for p in (os.path.dirname(d), d):
                os.chown(p, u.pw_uid, u.pw_gid)
                os.chmod(p, 0o755)
        yield base, users, extra
    finally:
        shutil.rmtree(base, ignore_errors=True)
        for u in users:
            subprocess.run(["userdel", u.pw_name], capture_output=True)
        subprocess.run(["groupdel", extra], capture_output=True)


def _site_conf(srv, base, users):
    """The server's part: mod_suexec, the status page, and one virtual host per site user."""
    conf = f"""
LoadModule suexec_module "{MODULES_DIR}/mod_suexec.so"
CppCgiSuexec helpers
SetEnv FOO from-setenv
LogFormat "%>s %{{cppcgi-identity}}n %U" identity
CustomLog "{srv.root}/logs/identity.log" identity
<Location /cppcgi-status>
  SetHandler cppcgi-status
</Location>
<Directory "{base}">
  Require all granted
</Directory>
<VirtualHost 127.0.0.1:{srv.port}>
  ServerName localhost
</VirtualHost>
"""
    for u in users:
        conf += f"""
<VirtualHost 127.0.0.1:{srv.port}>
  ServerName {u.pw_name}.test
  SuexecUserGroup {u.pw_name} {u.pw_name}
  ScriptAlias /cgi-bin/ "{base}/{u.pw_name}/cgi-bin/"
  <Directory "{base}/{u.pw_name}/cgi-bin/slow">
    CppCgiIdleTimeout 1
  </Directory>
</VirtualHost>
"""
    return conf


@pytest.fixture(scope="module")
def site_server(sites):
    from conftest import serve
    base, users, _ = sites

    def setup(srv):
        srv.extra_conf += _site_conf(srv, base, users)

    yield from serve(setup=setup)


def _get(srv, user, path):
    return srv.get(path, headers={"Host": f"{user.pw_name}.test"}, timeout=30)


def _fields(body):
    return dict(kv.split("=", 1) for kv in body.decode().split() if "=" in kv)


def test_each_sites_scripts_run_as_its_owner_in_its_own_helper(site_server, sites):
    base, users, extra = sites
    for u in users:
        _script(os.path.join(base, u.pw_name, "cgi-bin", "id.sh"), ID_SH, u)
    seen_parents = set()
    for u in users:
        status, _, body = _get(site_server, u, "/cgi-bin/id.sh")
        assert status == 200, body
        f = _fields(body)
        assert (f["uid"], f["gid"]) == (str(u.pw_uid), str(u.pw_gid)), body
        groups = body.decode().split("groups=", 1)[1].split(" parent=")[0].split()
        expected = {str(u.pw_gid)} | ({str(grp.getgrnam(extra).gr_gid)} if u is users[0] else set())
        assert set(groups) == expected, body  # its supplementary groups, and only those
        assert f["parent"] == "cppcgi-helper" and f["parent_uid"] == str(u.pw_uid), body  # no wrapper exec
        seen_parents.add(f["parent_uid"])
    assert len(seen_parents) == 2


def test_the_environment_is_the_wrappers(site_server, sites):
    base, users, _ = sites
    u = users[1]
    _script(os.path.join(base, u.pw_name, "cgi-bin", "id.sh"), ID_SH, u)
    status, _, body = _get(site_server, u, "/cgi-bin/id.sh")
    assert status == 200, body
    f = _fields(body)
    assert f["path"] == "/usr/local/bin:/usr/bin:/bin", body  # AP_SAFE_PATH
    assert f["foo"] == "unset", body  # SetEnv is not on the wrapper's list
    assert f["arg0"] == "id.sh" and f["cwd"] == os.path.join(base, u.pw_name, "cgi-bin"), body


@pytest.mark.expect_log("CPPCGI0321", "CPPCGI0302", "CPPCGI0329")
def test_the_wrappers_checks_refuse_with_their_ids(site_server, sites):
    base, users, _ = sites
    a, b = users
    cgi = os.path.join(base, a.pw_name, "cgi-bin")
    _script(os.path.join(cgi, "theirs.sh"), ID_SH, b)  # owned by the other site
    mark = site_server.log_mark()
    assert _get(site_server, a, "/cgi-bin/theirs.sh")[0] == 403
    assert "CPPCGI0321: " in site_server.log_since(mark)
    open_dir = os.path.join(cgi, "open")
    os.makedirs(open_dir, exist_ok=True)
    os.chown(open_dir, a.pw_uid, a.pw_gid)
    os.chmod(open_dir, 0o777)
    _script(os.path.join(open_dir, "id.sh"), ID_SH, a)
    mark = site_server.log_mark()
    assert _get(site_server, a, "/cgi-bin/open/id.sh")[0] == 403
    assert "CPPCGI0302: " in site_server.log_since(mark)


def test_the_identity_is_in_the_status_page_and_the_request_notes(site_server, sites):
    base, users, _ = sites
    a = users[0]
    _script(os.path.join(base, a.pw_name, "cgi-bin", "nap.sh"),
            "#!/bin/sh\nsleep 2\nprintf 'Content-Type: text/plain\\n\\nrested'\n", a)
    done = []
    t = threading.Thread(target=lambda: done.append(_get(site_server, a, "/cgi-bin/nap.sh")[0]))
    t.start()
    try:
        deadline = time.time() + 10
        rows = []
        while time.time() < deadline and not rows:
            page = json.loads(site_server.get("/cppcgi-status?json")[2])
            rows = [r for r in page["running"] if "nap.sh" in r["request"]]
            time.sleep(0.1)
        assert rows and rows[0]["uid"] == a.pw_uid, rows
        ids = {i["user"]: i for i in page["identities"]}
        assert set(ids) == {u.pw_name for u in users}, page["identities"]
        assert ids[a.pw_name]["uid"] == a.pw_uid and ids[a.pw_name]["helpers"] == 2, ids
        assert ids[a.pw_name]["scripts_running"] >= 1, ids
        metrics = site_server.get("/cppcgi-status?metrics")[2].decode()
        assert (f'cppcgi_identity_helpers{{user="{a.pw_name}",uid="{a.pw_uid}",gid="{a.pw_gid}"}} 2'
                in metrics), metrics
        assert f'cppcgi_identity_scripts_running{{user="{a.pw_name}",uid="{a.pw_uid}"' in metrics, metrics
        if os.path.exists(PROMTOOL):
            lint = subprocess.run([PROMTOOL, "check", "metrics"], input=metrics.encode(), capture_output=True,
                                  timeout=30)
            assert lint.returncode == 0 and not lint.stdout.strip() and not lint.stderr.strip(), lint
    finally:
        t.join(30)
    assert done == [200]
    log = open(site_server.path("logs", "identity.log")).read()
    assert f"200 helpers:{a.pw_uid}:{a.pw_gid} /cgi-bin/nap.sh" in log, log


@pytest.mark.expect_log("CPPCGI0010")
def test_a_timeout_ends_the_sites_script_tree(site_server, sites):
    base, users, _ = sites
    a = users[0]
    slow = os.path.join(base, a.pw_name, "cgi-bin", "slow")
    os.makedirs(slow, exist_ok=True)
    os.chown(slow, a.pw_uid, a.pw_gid)
    os.chmod(slow, 0o755)
    drop = tempfile.mkdtemp(prefix="cppcgi-idh-")
    os.chmod(drop, 0o777)
    pidfile = os.path.join(drop, "pids")
    try:
        _script(os.path.join(slow, "silent.sh"), f"#!/bin/sh\nsleep 60 &\necho $$ $! > {pidfile}\nwait\n", a)
        started = time.time()
        assert _get(site_server, a, "/cgi-bin/slow/silent.sh")[0] == 504
        assert time.time() - started < 10
        pids = [int(x) for x in open(pidfile).read().split()]
        for pid in pids:
            assert wait_gone(pid), f"{pid} of the site's tree still running after its timeout"
    finally:
        shutil.rmtree(drop, ignore_errors=True)


def test_a_sites_script_cannot_reach_any_helper(site_server, sites):
    base, users, _ = sites
    a = users[0]
    run = site_server.path("run")
    probe = f"""#!/usr/bin/python3
import os, socket
print("Content-Type: text/plain\\n")
for name in sorted(os.listdir("{run}")):
    if not name.endswith(".sock"):
        continue
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(os.path.join("{run}", name))
        print(name, "connected")
    except OSError as e:
        print(name, "refused", e.errno)
"""
    _script(os.path.join(base, a.pw_name, "cgi-bin", "probe.py"), probe, a)
    status, _, body = _get(site_server, a, "/cgi-bin/probe.py")
    assert status == 200, body
    text = body.decode()
    assert "connected" not in text, text  # User's 0600 sockets: not the site's to use
    assert text.count("refused 13") == 3, text  # the User pool's, and both identities' 


def test_a_graceful_restart_fails_no_request(site_server, sites):
    base, users, _ = sites
    for u in users:
        _script(os.path.join(base, u.pw_name, "cgi-bin", "id.sh"), ID_SH, u)
    mark = site_server.log_mark()
    site_server.signal("graceful")
    results = []
    deadline = time.time() + 5
    while time.time() < deadline and not site_server.log_since(mark).count("resuming normal operations"):
        for u in users:
            results.append(_get(site_server, u, "/cgi-bin/id.sh")[0])
    site_server.wait_for_log(mark, "resuming normal operations")
    for u in users:
        for _ in range(5):
            results.append(_get(site_server, u, "/cgi-bin/id.sh")[0])
    assert set(results) == {200}, results


def test_no_helper_holds_a_capability(site_server):
    # Identity helpers end their own scripts (same uid); with no wrapper in
    # use (no UserDir here), the User helpers need CAP_KILL no more either.
    helpers = site_server.helper_pids()
    assert len(helpers) >= 3, helpers  # User's (one per CPU), and each site's
    for pid in helpers:
        with open(f"/proc/{pid}/status") as f:
            caps = {k: int(v, 16) for k, v in (line.split(":") for line in f if line.startswith("Cap"))}
        assert caps["CapEff"] == 0 and caps["CapPrm"] == 0, (pid, caps)


def _helpers_by_uid(srv):
    counts = {}
    for pid in srv.helper_pids():
        with open(f"/proc/{pid}/status") as f:
            uid = next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
        counts[uid] = counts.get(uid, 0) + 1
    return counts


def test_each_identity_has_two_helpers_by_default(site_server, sites):
    _, users, _ = sites
    counts = _helpers_by_uid(site_server)
    for u in users:
        assert counts.get(u.pw_uid) == 2, counts


def test_cppcgisuexechelpers_sets_the_helpers_per_identity(fresh_server, sites):
    base, users, _ = sites
    srv = fresh_server()
    srv.extra_conf += _site_conf(srv, base, users) + "CppCgiSuexecHelpers 1\n"
    srv.start()
    counts = _helpers_by_uid(srv)
    for u in users:
        assert counts.get(u.pw_uid) == 1, counts
        _script(os.path.join(base, u.pw_name, "cgi-bin", "id.sh"), ID_SH, u)
        status, _, body = _get(srv, u, "/cgi-bin/id.sh")
        assert status == 200 and _fields(body)["uid"] == str(u.pw_uid), body
    assert f"({users[0].pw_name}): started 1 helper on" in srv.read_log()
