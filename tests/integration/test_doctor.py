# SPDX-License-Identifier: Apache-2.0
"""cppcgi-doctor: the module's checks from the command line."""

import os
import shutil
import subprocess
import tempfile

import pytest

DOCTOR = os.environ.get("CPPCGI_DOCTOR", os.path.join(os.path.dirname(__file__), "..", "..", "build",
                                                      "cppcgi-doctor"))
IS_ROOT = os.geteuid() == 0


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="doctor-", dir="/tmp")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def doctor(*args):
    from httpd_server import httpd_env
    user = [] if IS_ROOT else ["--user", os.environ.get("USER", "root")]
    # httpd_env: with --config the doctor runs apache2, which may need libasan preloaded (tests/run-all.sh).
    p = subprocess.run([DOCTOR, *user, *args], capture_output=True, text=True, timeout=30, env=httpd_env())
    return p.returncode, p.stdout + p.stderr


def write(path, text, mode=0o755):
    with open(path, "w", newline="") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def test_good_script_would_run(tmp):
    p = write(f"{tmp}/ok.cgi", "#!/bin/sh -e\necho\n")
    rc, out = doctor(p)
    assert rc == 0, out
    assert f"would run: /bin/sh -e {p}" in out and "OK" in out


@pytest.mark.parametrize("content,mode,ids", [
    ("#!/bin/sh\r\n", 0o755, ["CPPCGI0307"]),
    ("\ufeff#!/bin/sh\n", 0o755, ["CPPCGI0308"]),
    ("echo hi\n", 0o755, ["CPPCGI0306"]),
    ("#!/no/such/python\n", 0o755, ["CPPCGI0311"]),
    ("#!/bin/sh\n", 0o644, ["CPPCGI0304"]),
    ("#!/bin/sh\r\n", 0o4757, ["CPPCGI0303", "CPPCGI0301", "CPPCGI0307"]),  # every problem, in order
])
def test_problems_and_fixes(tmp, content, mode, ids):
    p = write(f"{tmp}/s.cgi", content, mode)
    rc, out = doctor(p)
    assert rc == 1, out
    found = [line.split("[")[1].split(",")[0] for line in out.splitlines() if line.strip().startswith("problem")]
    assert found == ids, out
    assert out.count("fix: ") == len(ids)
    assert f"would NOT run: {len(ids)} problem" in out


def _problems(out):
    return [line.split("[")[1].split(",")[0] for line in out.splitlines() if line.strip().startswith("problem")]


@pytest.mark.skipif(not IS_ROOT, reason="fixtures owned by another user than the one checked")
@pytest.mark.parametrize("name,setup,args,ids", [
    ("fifo", lambda d: (os.mkfifo(f"{d}/s.cgi"), os.chmod(f"{d}/s.cgi", 0o755)), [], ["CPPCGI0300"]),
    ("dir-writable", lambda d: (os.chmod(d, 0o777), write(f"{d}/s.cgi", "#!/bin/sh\n")), [], ["CPPCGI0302"]),
    ("owner", lambda d: write(f"{d}/s.cgi", "#!/bin/sh\n"), ["--owner", "nobody"], ["CPPCGI0305"]),
    ("too-long", lambda d: write(f"{d}/s.cgi", "#!/bin/" + "x" * 300 + "\n"), [], ["CPPCGI0309"]),
    ("relative", lambda d: write(f"{d}/s.cgi", "#!bin/sh\n"), [], ["CPPCGI0310"]),
    ("interp-dir", lambda d: write(f"{d}/s.cgi", "#!/usr/bin\n"), [], ["CPPCGI0312"]),
    ("interp-noexec", lambda d: (write(f"{d}/i", "#!/bin/sh\n", 0o644), write(f"{d}/s.cgi", f"#!{d}/i\n")), [],
     ["CPPCGI0313"]),
    ("interp-writable", lambda d: (write(f"{d}/i", "#!/bin/sh\n", 0o777), os.chmod(f"{d}/i", 0o777),
                                   write(f"{d}/s.cgi", f"#!{d}/i\n")), [], ["CPPCGI0314"]),
    ("unreadable-script", lambda d: write(f"{d}/s.cgi", "#!/bin/sh\n", 0o711), [], ["CPPCGI0316"]),
    ("unreadable-by-ext", lambda d: write(f"{d}/s.cgi", "print(1)\n", 0o640),
     ["--interpreter", ".cgi=/usr/bin/python3"], ["CPPCGI0316"]),
    ("no-interpreter", lambda d: write(f"{d}/s.cgi", "#!\n"), [], ["CPPCGI0317"]),
    ("symlink", lambda d: (write(f"{d}/t.cgi", "#!/bin/sh\n"), os.symlink(f"{d}/t.cgi", f"{d}/s.cgi")), [],
     ["CPPCGI0318"]),
    ("missing", lambda d: None, [], ["CPPCGI0319"]),
])
def test_every_other_check(tmp, name, setup, args, ids):
    d = os.path.join(tmp, name)
    os.mkdir(d, 0o755)
    setup(d)
    rc, out = doctor(*args, f"{d}/s.cgi")
    assert rc == 1, out
    assert _problems(out) == ids, out
    assert "fix: " in out


def test_policy_options(tmp):
    p = write(f"{tmp}/s.cgi", "#!/bin/sh\n")
    rc, out = doctor("--allow-interpreter", "/usr/bin/python3", p)
    assert rc == 1 and "CPPCGI0315" in out
    rc, out = doctor("--no-permission-check", write(f"{tmp}/w.cgi", "#!/bin/sh\n", 0o777))
    assert rc == 0, out
    q = write(f"{tmp}/plain.py", "print(1)\n", 0o644)
    rc, out = doctor("--interpreter", ".py=/usr/bin/python3", q)
    assert rc == 0 and f"would run: /usr/bin/python3 {q}" in out


@pytest.mark.skipif(not IS_ROOT, reason="needs a directory the server's user cannot search")
def test_unsearchable_directory_is_named(tmp):
    inner = os.path.join(tmp, "private")
    os.mkdir(inner, 0o700)
    p = write(f"{inner}/s.cgi", "#!/bin/sh\n")
    rc, out = doctor(p)
    assert rc == 1
    assert f"the directory '{inner}' on the way to '{p}' is not searchable by uid 33" in out
    assert f"chmod o+x {inner}" in out


CONFIG = """
ServerRoot "{root}"
Listen 127.0.0.1:1
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule cppcgi_module {module}
PidFile {root}/httpd.pid
ErrorLog {root}/error.log
User {user}
<Directory "{root}/cgi">
  Options +ExecCGI
  SetHandler cgi-script
  CppCgiIdleTimeout 5mi
  CppCgiAllowInterpreter /usr/bin/python3
</Directory>
<Directory "{root}/cgi/py">
  CppCgiInterpreter .py /usr/bin/python3
  CppCgiMaxScripts 3
  CppCgiPermissionCheck Off
</Directory>
"""


def _config(tmp):
    from httpd_server import MODULE, MODULES_DIR
    os.makedirs(f"{tmp}/cgi/py")
    path = f"{tmp}/httpd.conf"
    with open(path, "w") as f:
        f.write(CONFIG.format(root=tmp, modules=MODULES_DIR, module=MODULE,
                              user="www-data" if IS_ROOT else os.environ.get("USER", "root")))
    return path


def test_config_reports_and_applies_directory_settings(tmp):
    conf = _config(tmp)
    # By extension, without #! or exec bit; group-writable is fine where the check is off.
    script = write(f"{tmp}/cgi/py/app.py", "print(1)\n", 0o664)
    rc, out = doctor("--config", conf, script)
    assert rc == 0, out
    assert f"Settings that apply to {script} in {conf}:" in out
    if IS_ROOT:
        assert "scripts run as: www-data" in out and "as user www-data" in out
    for line in ("SetHandler: cgi-script", "Options ExecCGI: on", "CppCgiIdleTimeout: 300 s",
                 "CppCgiAllowInterpreter: /usr/bin/python3", "CppCgiInterpreter: .py by /usr/bin/python3",
                 "CppCgiMaxScripts: 3", "CppCgiPermissionCheck: Off", "CppCgiErrorPage: Off"):
        assert f"  {line}\n" in out, (line, out)
    assert f"would run: /usr/bin/python3 {script}" in out
    # One level up the allow-list applies and the permission check is on again.
    sh = write(f"{tmp}/cgi/s.sh", "#!/bin/sh\n", 0o757)
    os.chmod(sh, 0o757)
    rc, out = doctor("--config", conf, sh)
    assert rc == 1, out
    assert _problems(out) == ["CPPCGI0301", "CPPCGI0315"], out
    assert "CppCgiMaxScripts: no cap" in out


def test_config_errors_are_reported(tmp):
    conf = _config(tmp)
    with open(conf, "a") as f:
        f.write("CppCgiIdleTimeout forever\n")
    rc, out = doctor("--config", conf, f"{tmp}/cgi/x")
    assert rc == 2
    assert "CppCgiIdleTimeout" in out and "failed with status" in out
    rc, out = doctor("--config", f"{tmp}/none.conf", f"{tmp}/cgi/x")
    assert rc == 2


def test_usage_errors():
    assert doctor()[0] == 2
    assert doctor("--bogus", "/x")[0] == 2


@pytest.mark.skipif(not IS_ROOT or not os.path.exists("/usr/lib/apache2/suexec"),
                    reason="needs root and the suEXEC wrapper")
def test_suexec_identity_is_checked_as_the_wrapper_would():
    import pwd
    nobody = pwd.getpwnam("nobody")
    d = tempfile.mkdtemp(prefix="doctor-suexec-", dir="/var/www")
    try:
        os.chmod(d, 0o755)
        os.chown(d, nobody.pw_uid, nobody.pw_gid)
        ok = write(f"{d}/ok.cgi", "#!/bin/sh\necho\n")
        os.chown(ok, nobody.pw_uid, nobody.pw_gid)
        theirs = write(f"{d}/theirs.cgi", "#!/bin/sh\necho\n")  # root's
        rc, out = doctor("--suexec", f"nobody:#{nobody.pw_gid}", ok)
        assert rc == 0, out
        assert f"would run: /usr/lib/apache2/suexec {nobody.pw_uid} {nobody.pw_gid} ok.cgi" in out
        # The wrapper told the doctor (root) its document root and lowest ids.
        assert f"through suEXEC (under /var/www, as uid {nobody.pw_uid}, gid {nobody.pw_gid})" in out, out
        outside = tempfile.mkdtemp(prefix="doctor-suexec-")
        try:
            os.chmod(outside, 0o755)
            os.chown(outside, nobody.pw_uid, nobody.pw_gid)
            away = write(f"{outside}/ok.cgi", "#!/bin/sh\necho\n")
            os.chown(away, nobody.pw_uid, nobody.pw_gid)
            rc, out = doctor("--suexec", f"nobody:#{nobody.pw_gid}", away)
            assert rc == 1 and "CPPCGI0329" in out and "not under the wrapper's document root /var/www" in out, out
        finally:
            shutil.rmtree(outside, ignore_errors=True)
        rc, out = doctor("--suexec", f"~nobody:#{nobody.pw_gid}", ok)
        assert rc == 0 and f"suexec ~{nobody.pw_uid} {nobody.pw_gid} ok.cgi" in out, out
        rc, out = doctor("--suexec", f"nobody:#{nobody.pw_gid}", theirs)
        assert rc == 1 and "CPPCGI0321" in out and f"chown {nobody.pw_uid}:{nobody.pw_gid} {theirs}" in out, out
        rc, out = doctor("--suexec", "nobody", ok)
        assert rc == 2 and "[~]USER:GROUP" in out, out
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_a_whole_tree_before_the_swap(tmp):
    # What a migration from mod_cgi would meet, file by file: the scripts
    # are the files with an execute bit and those an --interpreter names.
    site = f"{tmp}/site"
    os.makedirs(f"{site}/sub")
    for d in (site, f"{site}/sub"):
        os.chmod(d, 0o755)
    good = write(f"{site}/good.cgi", "#!/bin/sh\necho\n")
    team = write(f"{site}/team.cgi", "#!/bin/sh\necho\n", 0o775)
    crlf = write(f"{site}/sub/crlf.cgi", "#!/bin/sh\r\necho\r\n")
    write(f"{site}/index.html", "<p>hello</p>\n", 0o644)
    app = write(f"{site}/sub/app.py", "print(1)\n", 0o644)
    rc, out = doctor("--interpreter", ".py=/usr/bin/python3", site)
    assert rc == 1, out
    assert f"{crlf}, as user" in out and "[CPPCGI0307, HTTP 500]" in out
    assert f"{team}, as user" in out and f"warning [CPPCGI0327]: '{team}' is writable by its group" in out
    assert good not in out and app not in out and "index.html" not in out  # fine, or not a script
    assert out.rstrip().splitlines()[-1].endswith(
        f"4 scripts under {site}, as user {'www-data' if IS_ROOT else os.environ.get('USER', 'root')}: "
        "1 would not run, 1 would run with warnings, 2 fine"), out
    # Once fixed, the tree passes.
    os.chmod(team, 0o755)
    os.remove(crlf)
    rc, out = doctor("--interpreter", ".py=/usr/bin/python3", "--permission-check", "Strict", site)
    assert rc == 0, out
    assert out.rstrip().endswith("0 would not run, 0 would run with warnings, 3 fine"), out
