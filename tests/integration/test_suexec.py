# SPDX-License-Identifier: Apache-2.0
"""suEXEC: with Debian's wrapper installed (apache2-suexec-pristine) and
mod_suexec's SuexecUserGroup in a virtual host, scripts run as that user,
exactly as under mod_cgi. mod_cppcgi runs the wrapper's checks first, so a
refusal names its cause in one error-log line; what only the wrapper knows
(its document root, lowest ids) is asked of it at startup and checked first;
and a silent script running as the other user is still ended on timeout
(the helpers keep CAP_KILL, and only that)."""

import os
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest

import httpd_server

from httpd_server import MODULES_DIR, wait_gone

WRAPPER = "/usr/lib/apache2/suexec"
DOC_ROOT = "/var/www"  # the wrapper's AP_DOC_ROOT on Debian

MISSING = os.geteuid() != 0 or not os.path.exists(WRAPPER) or not os.path.isdir(DOC_ROOT) \
    or not os.path.exists(os.path.join(MODULES_DIR, "mod_suexec.so"))
# tests/run-all.sh (CI) installs the wrapper and sets this: there, a skip would hide a missing step.
if MISSING and os.environ.get("CPPCGI_REQUIRE_SUEXEC") == "1":
    raise RuntimeError(f"CPPCGI_REQUIRE_SUEXEC=1 but root, {WRAPPER}, {DOC_ROOT} or mod_suexec.so is missing")
pytestmark = pytest.mark.skipif(
    MISSING, reason="needs root and Debian's suEXEC wrapper (apt-get install apache2-suexec-pristine)")

NOBODY = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
HOST = {"Host": "suexec.test"}
# A system user below the wrapper's AP_UID_MIN (100 on Debian).
LOW = pwd.getpwnam("games") if os.geteuid() == 0 else None
CAP_KILL = 1 << 5

ID_SH = """#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "uid=$(id -u) gid=$(id -g) cwd=$(pwd) args=$*"
"""


def _own(path, uid, gid):
    os.chown(path, uid, gid)


def _script(path, text, mode=0o755, owner=None):
    with open(path, "w", newline="") as f:
        f.write(text)
    uid, gid = owner or (NOBODY.pw_uid, NOBODY.pw_gid)
    _own(path, uid, gid)
    os.chmod(path, mode)  # after chown, which clears set-id bits
    return path


@pytest.fixture(scope="module")
def userdir_user():
    """A system user made for the ~user tests (removed after), its home in
    /tmp with a public_html it owns."""
    name = f"cppcgiud{os.getpid() % 100000}"
    home = tempfile.mkdtemp(prefix="cppcgi-home-", dir="/tmp")
    os.chmod(home, 0o755)
    subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", home,
                    "--shell", "/usr/sbin/nologin", name], check=True, capture_output=True)
    try:
        user = pwd.getpwnam(name)
        public = os.path.join(home, "public_html")
        os.makedirs(public, mode=0o755)
        for d in (home, public):
            _own(d, user.pw_uid, user.pw_gid)
        yield user
    finally:
        subprocess.run(["userdel", name], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def suexec_server(userdir_user):
    from conftest import serve
    # Under the wrapper's document root, owned by the target user.
    base = tempfile.mkdtemp(prefix="cppcgi-suexec-", dir=DOC_ROOT)
    os.chmod(base, 0o755)
    _own(base, NOBODY.pw_uid, NOBODY.pw_gid)
    for d in ("slow", "rootdir", "ssi", "low"):
        os.makedirs(os.path.join(base, d), mode=0o755)
    _own(os.path.join(base, "slow"), NOBODY.pw_uid, NOBODY.pw_gid)  # rootdir stays root's
    _own(os.path.join(base, "low"), LOW.pw_uid, LOW.pw_gid)

    def setup(srv):
        outside = srv.add_dir("outside")
        _own(outside, NOBODY.pw_uid, NOBODY.pw_gid)
        srv.extra_conf += f"""
LoadModule suexec_module "{MODULES_DIR}/mod_suexec.so"
LoadModule include_module "{MODULES_DIR}/mod_include.so"
LoadModule userdir_module "{MODULES_DIR}/mod_userdir.so"
UserDir public_html
UserDir disabled
UserDir enabled {userdir_user.pw_name}
<Directory "{userdir_user.pw_dir}/public_html">
  Options +ExecCGI
  AddHandler cgi-script .cgi
</Directory>
<Directory "{base}">
  Require all granted
</Directory>
<VirtualHost 127.0.0.1:{srv.port}>
  ServerName localhost
</VirtualHost>
<VirtualHost 127.0.0.1:{srv.port}>
  ServerName suexec-root.test
  SuexecUserGroup root root
  ScriptAlias /sx/ "{base}/"
</VirtualHost>
<VirtualHost 127.0.0.1:{srv.port}>
  ServerName suexec-low.test
  SuexecUserGroup {LOW.pw_name} "#{LOW.pw_gid}"
  ScriptAlias /sx/ "{base}/"
</VirtualHost>
<VirtualHost 127.0.0.1:{srv.port}>
  ServerName suexec.test
  SuexecUserGroup nobody "#{NOBODY.pw_gid}"
  ScriptAlias /sx/ "{base}/"
  ScriptAlias /sx-out/ "{outside}/"
  Alias /sx-ssi/ "{base}/ssi/"
  <Directory "{base}/slow">
    CppCgiIdleTimeout 1
  </Directory>
  <Directory "{base}/ssi">
    Options +Includes
    AddOutputFilter INCLUDES .shtml
    AddType text/html .shtml
  </Directory>
</VirtualHost>
"""

    try:
        for srv in serve(setup=setup):
            srv.base = base
            yield srv
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _get(srv, path):
    return srv.get(path, headers=HOST)


def test_script_runs_as_the_target_user(suexec_server):
    srv = suexec_server
    _script(os.path.join(srv.base, "id.sh"), ID_SH)
    status, _, body = _get(srv, "/sx/id.sh?one+two")
    assert status == 200, body
    text = body.decode()
    assert f"uid={NOBODY.pw_uid} gid={NOBODY.pw_gid}" in text, text
    assert f"cwd={srv.base}" in text, text
    assert "args=one two" in text, text  # an indexed query still becomes argv, through the wrapper


@pytest.mark.expect_log("CPPCGI0321")
def test_userdir_script_runs_as_its_user(suexec_server, userdir_user):
    # ~user: mod_userdir names the identity, the wrapper gets "~uid" and checks the UserDir.
    srv = suexec_server
    u = userdir_user
    _script(os.path.join(u.pw_dir, "public_html", "id.cgi"), ID_SH, owner=(u.pw_uid, u.pw_gid))
    status, _, body = srv.get(f"/~{u.pw_name}/id.cgi")
    assert status == 200, body
    assert f"uid={u.pw_uid} gid={u.pw_gid} cwd={u.pw_dir}/public_html" in body.decode()
    # Another user's file in that UserDir is refused by the module, naming the owner.
    path = _script(os.path.join(u.pw_dir, "public_html", "theirs.cgi"), ID_SH)
    mark = srv.log_mark()
    status, _, _ = srv.get(f"/~{u.pw_name}/theirs.cgi")
    assert status == 403
    assert "CPPCGI0321: " in srv.log_since(mark) and path in srv.log_since(mark)


def test_script_only_its_owner_can_read_runs(suexec_server):
    # www-data cannot read it: the #! checks are skipped, the wrapper and the kernel run it.
    srv = suexec_server
    _script(os.path.join(srv.base, "private.py"),
            "#!/usr/bin/python3\nimport os\nprint('Content-Type: text/plain\\n')\nprint('uid', os.getuid())\n",
            mode=0o700)
    status, _, body = _get(srv, "/sx/private.py")
    assert status == 200, body
    assert f"uid {NOBODY.pw_uid}" in body.decode()


def test_same_script_outside_suexec_runs_as_www_data(suexec_server):
    # The default host has no SuexecUserGroup: its scripts run as User, as before.
    srv = suexec_server
    srv.write_script("cgi-bin/id.sh", ID_SH)
    status, _, body = srv.get("/cgi-bin/id.sh")
    assert status == 200, body
    www = pwd.getpwnam("www-data")
    assert f"uid={www.pw_uid} gid={www.pw_gid}" in body.decode()
    status, _, body = srv.get("/sx/id.sh")  # not mapped in the default host
    assert status == 404


# name, file, mode, owner ("nobody" or "root"), directory, status, log id, text in the line
REFUSALS = [
    ("wrong-owner", ID_SH, 0o755, "root", "", 403, "CPPCGI0321", "only scripts owned by that user"),
    ("dir-owner", ID_SH, 0o755, "nobody", "rootdir", 403, "CPPCGI0322", "needs the directory owned"),
    ("group-writable", ID_SH, 0o775, "nobody", "", 403, "CPPCGI0301", "writable by its group"),
    ("setuid", ID_SH, 0o4755, "nobody", "", 403, "CPPCGI0303", "setuid or setgid"),
    ("no-exec-bit", ID_SH, 0o644, "nobody", "", 500, "CPPCGI0304", "not executable by uid"),
    ("crlf", ID_SH.replace("\n", "\r\n"), 0o755, "nobody", "", 500, "CPPCGI0307", "Windows line endings"),
    ("missing-interpreter", "#!/usr/bin/no-such-python\nprint(1)\n", 0o755, "nobody", "", 500, "CPPCGI0311",
     "does not exist"),
]


@pytest.mark.parametrize("name,text,mode,owner,d,status,log_id,needle", REFUSALS, ids=[c[0] for c in REFUSALS])
def test_refusal_names_the_cause(suexec_server, name, text, mode, owner, d, status, log_id, needle):
    srv = suexec_server
    httpd_server.expect_ids(log_id)
    ids = (0, 0) if owner == "root" else (NOBODY.pw_uid, NOBODY.pw_gid)
    path = _script(os.path.join(srv.base, d, f"{name}.cgi"), text, mode=mode, owner=ids)
    mark = srv.log_mark()
    got, _, body = _get(srv, f"/sx/{d + '/' if d else ''}{name}.cgi")
    assert got == status, body
    lines = [line for line in srv.log_since(mark).splitlines() if "CPPCGI0" in line]
    assert len(lines) == 1, lines
    assert f"{log_id}: " in lines[0] and path in lines[0] and needle in lines[0], lines[0]


@pytest.mark.expect_log("CPPCGI0318")
def test_symlink_is_refused_even_where_links_are_followed(suexec_server):
    srv = suexec_server
    target = _script(os.path.join(srv.base, "real.sh"), ID_SH)
    link = os.path.join(srv.base, "link.sh")
    if not os.path.islink(link):
        os.symlink(target, link)
    mark = srv.log_mark()
    got, _, _ = _get(srv, "/sx/link.sh")  # ScriptAlias dirs follow links by default (Options All)
    assert got == 403
    assert "CPPCGI0318: " in srv.log_since(mark) and "suEXEC never runs one" in srv.log_since(mark)


@pytest.mark.expect_log("CPPCGI0329")
def test_outside_the_wrappers_document_root_is_refused_first(suexec_server):
    # Outside /var/www: the wrapper would exit 114 without a word. Its
    # document root was asked of it at startup (suexec -V): one line, before
    # anything runs, names the directory and the root.
    srv = suexec_server
    path = _script(srv.path("outside", "id.sh"), ID_SH)
    mark = srv.log_mark()
    got, _, _ = _get(srv, "/sx-out/id.sh")
    assert got == 500
    lines = [line for line in srv.log_since(mark).splitlines() if "CPPCGI0" in line]
    assert len(lines) == 1, lines
    assert "CPPCGI0329: " in lines[0] and path in lines[0], lines[0]
    assert f"its directory {os.path.realpath(srv.path('outside'))} is not under the wrapper's document root " \
        f"{os.path.realpath(DOC_ROOT)}; fix: move the script under" in lines[0], lines[0]


@pytest.mark.expect_log("CPPCGI0010")
def test_silent_script_of_another_user_is_ended_on_timeout(suexec_server):
    srv = suexec_server
    pidfile = os.path.join(srv.base, "slow", "pid")
    if os.path.exists(pidfile):
        os.unlink(pidfile)
    _script(os.path.join(srv.base, "slow", "silent.sh"), "#!/bin/sh\necho $$ $(id -u) > pid\nexec sleep 60\n")
    mark = srv.log_mark()
    started = time.time()
    got, _, _ = _get(srv, "/sx/slow/silent.sh")
    assert got == 504
    assert time.time() - started < 10
    pid, uid = (int(x) for x in open(pidfile).read().split())
    assert uid == NOBODY.pw_uid  # another user: without CAP_KILL the helper could not signal it
    assert wait_gone(pid), f"script {pid} (uid nobody) still running after its timeout"
    assert "CPPCGI0010: " in srv.log_since(mark)


@pytest.mark.expect_log("CPPCGI0019")
def test_ssi_exec_cgi_runs_through_suexec_and_exec_cmd_is_refused(suexec_server):
    # exec cmd would run as User: refused where suEXEC applies, with one line saying so.
    srv = suexec_server
    _script(os.path.join(srv.base, "id.sh"), ID_SH)
    with open(os.path.join(srv.base, "ssi", "page.shtml"), "w") as f:
        f.write('<p>a</p>\n<!--#exec cgi="/sx/id.sh" -->\n<!--#exec cmd="echo CMD-RAN" -->\n<p>b</p>\n')
    mark = srv.log_mark()
    status, _, body = _get(srv, "/sx-ssi/page.shtml")
    assert status == 200, body
    text = body.decode()
    assert f"uid={NOBODY.pw_uid}" in text, text
    assert "CMD-RAN" not in text and "an error occurred while processing this directive" in text, text
    lines = [line for line in srv.log_since(mark).splitlines() if "CPPCGI0" in line]
    assert len(lines) == 1 and "CPPCGI0019: " in lines[0] and "suEXEC applies here" in lines[0], lines


@pytest.mark.expect_log("CPPCGI0328", "CPPCGI0323")
def test_d6_root_or_low_target_is_refused_per_request(suexec_server):
    # mod_suexec accepts these at config time; the module refuses root, and a
    # uid below the wrapper's lowest (asked of it at startup), itself.
    srv = suexec_server
    _script(os.path.join(srv.base, "id.sh"), ID_SH)
    mark = srv.log_mark()
    status, _, _ = srv.get("/sx/id.sh", headers={"Host": "suexec-root.test"})
    assert status == 500
    assert "CPPCGI0323: " in srv.log_since(mark) and "never runs scripts as root" in srv.log_since(mark)
    _script(os.path.join(srv.base, "low", "id.sh"), ID_SH, owner=(LOW.pw_uid, LOW.pw_gid))
    mark = srv.log_mark()
    status, _, _ = srv.get("/sx/low/id.sh", headers={"Host": "suexec-low.test"})
    assert status == 500
    log = srv.log_since(mark)
    assert "CPPCGI0328: " in log and f"as uid {LOW.pw_uid}, gid {LOW.pw_gid}, below the lowest its wrapper runs " \
        "scripts as (uid 100, gid 100)" in log, log
    assert "CPPCGI0024" not in log  # the wrapper never ran


def test_c14_script_of_another_user_cannot_signal_its_helper(suexec_server):
    srv = suexec_server
    helpers = sorted(srv.helper_pids())
    _script(os.path.join(srv.base, "killer.sh"),
            "#!/bin/sh\necho 'Content-Type: text/plain'\necho\nkill -9 $PPID 2>&1; echo rc=$?\n")
    status, _, body = _get(srv, "/sx/killer.sh")
    assert status == 200, body
    assert b"rc=1" in body and b"not permitted" in body, body
    assert sorted(srv.helper_pids()) == helpers


def test_helpers_keep_cap_kill_and_nothing_else(suexec_server):
    srv = suexec_server
    helpers = srv.helper_pids()
    assert helpers
    for pid in helpers:
        caps = {}
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Cap"):
                    key, value = line.split(":")
                    caps[key] = int(value, 16)
        assert caps["CapEff"] == CAP_KILL and caps["CapPrm"] == CAP_KILL, caps
        assert caps["CapInh"] == 0 and caps.get("CapAmb", 0) == 0, caps


def test_scripts_inherit_no_capability(suexec_server):
    # A User script started by a helper holding CAP_KILL: exec dropped it.
    srv = suexec_server
    path = srv.write_script("cgi-bin/caps.sh",
                            "#!/bin/sh\necho 'Content-Type: text/plain'\necho\ngrep ^Cap /proc/self/status\n")
    assert path
    status, _, body = srv.get("/cgi-bin/caps.sh")
    assert status == 200, body
    caps = dict(line.split(":") for line in body.decode().split("\n") if line.startswith("Cap"))
    assert all(int(v, 16) == 0 for k, v in caps.items() if k != "CapBnd"), caps


def test_helpers_hold_no_capability_without_suexec_modules(server):
    # The wrapper is installed, but neither mod_suexec nor mod_userdir is loaded: nothing is kept.
    for pid in server.helper_pids():
        with open(f"/proc/{pid}/status") as f:
            caps = dict(line.split(":") for line in f if line.startswith("Cap"))
        assert int(caps["CapEff"], 16) == 0 and int(caps["CapPrm"], 16) == 0, (pid, caps)
