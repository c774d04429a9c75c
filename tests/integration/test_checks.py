# SPDX-License-Identifier: Apache-2.0
"""Permission and #! checks before exec: every refusal gives its status and
exactly one error-log line with the check's id, the file and the fix."""

import os
import shutil
import subprocess
import threading

import pytest

import httpd_server



IS_ROOT = os.geteuid() == 0


CHECKS_CONF = """
ScriptAlias /chk/ "{root}/chk/"
ScriptAlias /chk-open/ "{root}/chk-open/"
ScriptAlias /chk-allow/ "{root}/chk-allow/"
ScriptAlias /chk-ext/ "{root}/chk-ext/"
ScriptAlias /chk-off/ "{root}/chk-off/"
ScriptAlias /chk-owner/ "{root}/chk-owner/"
ScriptAlias /chk-swap/ "{root}/chk-swap/"
ScriptAlias /chk-link/ "{root}/chk-link/"
ScriptAlias /chk-team/ "{root}/chk-team/"
ScriptAlias /chk-strict/ "{root}/chk-strict/"
ScriptAlias /chk-warn/ "{root}/chk-warn/"
<Directory "{root}/chk-strict">
  CppCgiPermissionCheck Strict
</Directory>
<Directory "{root}/chk-warn">
  CppCgiPermissionCheck Warn
</Directory>
<Directory "{root}/chk-link">
  Options +FollowSymLinks
</Directory>
# httpd's own walk follows links here (Directory says so), but the options in
# effect for the request, which mod_cppcgi opens the script by, do not.
<Location /chk-link/>
  Options -FollowSymLinks
</Location>
<Directory "{root}/chk-allow">
  CppCgiAllowInterpreter /usr/bin/python3
</Directory>
<Directory "{root}/chk-ext">
  CppCgiInterpreter .py /usr/bin/python3
</Directory>
<Directory "{root}/chk-off">
  CppCgiPermissionCheck Off
</Directory>
<Directory "{root}/chk-owner">
  CppCgiScriptOwner nobody
</Directory>
"""


@pytest.fixture(scope="module")
def checks_server():
    from conftest import serve
    for srv in serve(CHECKS_CONF, empty_dirs=("chk", "chk-allow", "chk-ext", "chk-off", "chk-owner", "chk-swap",
                                              "chk-open", "chk-link", "chk-team", "chk-strict", "chk-warn")):
        os.chmod(srv.path("chk-open"), 0o777)  # group/world-writable on purpose
        os.chmod(srv.path("chk-team"), 0o2775)  # a setgid deploy directory, as teams share them
        yield srv


HELLO = 'echo "Content-Type: text/plain"; echo; echo ran'

# name, file content, mode, directory, expected status, log id, text the line must contain
CASES = [
    ("ok", f"#!/bin/sh\n{HELLO}\n", 0o755, "chk", 200, None, None),
    ("crlf", f"#!/bin/sh\r\n{HELLO}\r\n", 0o755, "chk", 500, "CPPCGI0307",
     "was saved with Windows line endings"),
    ("crlf-env", "#!/usr/bin/env python3\r\nprint('x')\r\n", 0o755, "chk", 500, "CPPCGI0307", "dos2unix"),
    ("bom", f"\ufeff#!/bin/sh\n{HELLO}\n", 0o755, "chk", 500, "CPPCGI0308", "byte-order mark"),
    ("noshebang", f"{HELLO}\n", 0o755, "chk", 500, "CPPCGI0306", "has no #! line"),
    ("toolong", "#!/" + "a" * 300 + "\n", 0o755, "chk", 500, "CPPCGI0309", "longer than 255 bytes"),
    ("relative", "#!python3\nprint(1)\n", 0o755, "chk", 500, "CPPCGI0310", "not an absolute path"),
    ("empty", "#!\n", 0o755, "chk", 500, "CPPCGI0317", "names no interpreter"),
    ("missing", "#!/usr/bin/no-such-interpreter\n", 0o755, "chk", 500, "CPPCGI0311",
     "'/usr/bin/no-such-interpreter' named by"),
    ("interp-dir", "#!/usr/bin\n", 0o755, "chk", 500, "CPPCGI0312", "is a directory"),
    ("noexec", f"#!/bin/sh\n{HELLO}\n", 0o644, "chk", 500, "CPPCGI0304", "chmod 755"),
    ("writable", f"#!/bin/sh\n{HELLO}\n", 0o757, "chk", 403, "CPPCGI0301", "writable by others"),
    ("setuid", f"#!/bin/sh\n{HELLO}\n", 0o4755, "chk", 403, "CPPCGI0303", "chmod ug-s"),
    ("dir-writable", f"#!/bin/sh\n{HELLO}\n", 0o755, "chk-open", 403, "CPPCGI0302",
     "directory of"),
    ("not-allowed", f"#!/bin/sh\n{HELLO}\n", 0o755, "chk-allow", 403, "CPPCGI0315", "CppCgiAllowInterpreter"),
    ("allowed", "#!/usr/bin/python3\nprint('Content-Type: text/plain\\n\\nran')\n", 0o755, "chk-allow", 200,
     None, None),
    ("off", f"#!/bin/sh\n{HELLO}\n", 0o757, "chk-off", 200, None, None),
]


def _request(srv, d, name):
    return srv.get(f"/{d}/{name}.cgi")


@pytest.mark.parametrize("name,content,mode,d,status,log_id,text", CASES, ids=[c[0] for c in CASES])
def test_check(checks_server, name, content, mode, d, status, log_id, text):
    srv = checks_server
    path = srv.path(d, f"{name}.cgi")
    with open(path, "w", newline="") as f:
        f.write(content)
    os.chmod(path, mode)
    mark = srv.log_mark()
    got, _, body = _request(srv, d, name)
    assert got == status, body
    log = srv.log_since(mark)
    if log_id is not None:
        httpd_server.expect_ids(log_id)
    if log_id is None:
        assert body.strip().endswith(b"ran"), body
        assert "CPPCGI03" not in log, log
        return
    lines = [l for l in log.splitlines() if "CPPCGI0" in l]
    assert len(lines) == 1, log
    assert f"{log_id}: " in lines[0], lines[0]
    assert path in lines[0], lines[0]
    assert text in lines[0], lines[0]
    assert "; fix: " in lines[0], lines[0]


def test_interpreter_by_extension_needs_no_shebang_or_exec_bit(checks_server):
    srv = checks_server
    srv.write_script("chk-ext/plain.py", "print('Content-Type: text/plain')\nprint()\nprint('by extension')\n",
                     mode=0o644)
    status, _, body = srv.get("/chk-ext/plain.py")
    assert status == 200 and body == b"by extension\n"


@pytest.mark.skipif(not IS_ROOT, reason="needs a script the server's user cannot read")
def test_unreadable_script_for_interpreter_is_500(checks_server):
    srv = checks_server
    p = srv.write_script("chk-ext/secret.py", "print('x')\n", mode=0o600)
    mark = srv.log_mark()
    assert srv.get("/chk-ext/secret.py")[0] == 500
    srv.wait_for_log(mark, r"CPPCGI0316: '%s' is not readable by uid 33" % p)


@pytest.mark.skipif(not IS_ROOT, reason="needs files owned by another user")
def test_owner_requirement(checks_server):
    srv = checks_server
    p = srv.write_script("chk-owner/mine.cgi", f"#!/bin/sh\n{HELLO}\n")
    mark = srv.log_mark()
    assert srv.get("/chk-owner/mine.cgi")[0] == 403
    srv.wait_for_log(mark, r"CPPCGI0305: '%s' is owned by uid 0, not by the required uid" % p)
    os.chown(p, 65534, 65534)  # nobody
    assert srv.get("/chk-owner/mine.cgi")[0] == 200


def test_interpreter_checks(checks_server):
    srv = checks_server
    noexec = srv.write_script("chk/fake-interp", "not a program\n", mode=0o644)
    srv.write_script("chk/uses-noexec.cgi", f"#!{noexec}\n")
    mark = srv.log_mark()
    assert srv.get("/chk/uses-noexec.cgi")[0] == 500
    srv.wait_for_log(mark, r"CPPCGI0313: the interpreter '%s' .* is not executable" % noexec)

    shell = srv.path("chk", "wsh")
    shutil.copy("/bin/sh", shell)
    os.chmod(shell, 0o757)
    srv.write_script("chk/uses-wsh.cgi", f"#!{shell}\n{HELLO}\n")
    mark = srv.log_mark()
    assert srv.get("/chk/uses-wsh.cgi")[0] == 403
    srv.wait_for_log(mark, r"CPPCGI0314: the interpreter '%s' .* is writable by others" % shell)


def test_fifo_is_refused_without_blocking(checks_server):
    srv = checks_server
    fifo = srv.path("chk", "fifo.cgi")
    os.mkfifo(fifo, 0o755)
    mark = srv.log_mark()
    assert srv.get("/chk/fifo.cgi", timeout=10)[0] == 403
    srv.wait_for_log(mark, r"CPPCGI0300: '%s' is not a regular file" % fifo)


def test_symlink_where_links_are_not_followed_is_403(checks_server):
    srv = checks_server
    target = srv.write_script("chk-link/real.cgi", f"#!/bin/sh\n{HELLO}\n")
    link = srv.path("chk-link", "link.cgi")
    os.symlink(target, link)
    mark = srv.log_mark()
    assert srv.get("/chk-link/link.cgi")[0] == 403
    srv.wait_for_log(mark, r"CPPCGI0318: '%s' is a symbolic link and symbolic links are not followed here" % link)
    assert srv.get("/chk-link/real.cgi")[0] == 200


def test_socket_in_place_of_a_script_is_500(checks_server):
    import socket as so
    srv = checks_server
    path = srv.path("chk", "sock.cgi")
    s = so.socket(so.AF_UNIX, so.SOCK_STREAM)
    s.bind(path)
    try:
        mark = srv.log_mark()
        assert srv.get("/chk/sock.cgi", timeout=10)[0] == 500
        srv.wait_for_log(mark, r"CPPCGI0319: cannot open '%s'" % path)
    finally:
        s.close()
        os.unlink(path)


def _compile(srv, name, marker):
    src = srv.path(f"{name}.c")
    with open(src, "w") as f:
        f.write('#include <stdio.h>\nint main(void){fputs("Content-Type: text/plain\\n\\n%s\\n", stdout);'
                'return 0;}\n' % marker)
    out = srv.path(name)
    subprocess.run(["cc", "-O1", "-o", out, src], check=True)
    return out


@pytest.mark.expect_log("CPPCGI0301", "CPPCGI0303", "CPPCGI0327")
def test_swapped_in_unchecked_binary_never_runs(checks_server):
    """A loop keeps renaming a checked binary and a setuid one (refused) into
    place while requests run: each response is the checked one or a 403,
    never the output of the refused file."""
    srv = checks_server
    good = _compile(srv, "good-bin", "checked")
    bad = _compile(srv, "bad-bin", "UNCHECKED")
    target = srv.path("chk-swap", "swap.cgi")
    shutil.copy(good, target)
    os.chmod(target, 0o755)
    stop = threading.Event()
    swaps = [0]

    def swapper():
        i = 0
        while not stop.is_set() and i < 100000:
            src = good if i % 2 == 0 else bad
            tmp = srv.path("chk-swap", f".tmp{i % 2}")
            shutil.copy(src, tmp)
            os.chmod(tmp, 0o755 if src == good else 0o4755)
            os.replace(tmp, target)
            i += 1
        swaps[0] = i

    t = threading.Thread(target=swapper)
    t.start()
    seen = {"checked": 0, "refused": 0, "other": 0}
    try:
        for _ in range(300):
            status, _, body = srv.get("/chk-swap/swap.cgi", timeout=20)
            assert b"UNCHECKED" not in body
            if status == 200 and body == b"checked\n":
                seen["checked"] += 1
            elif status == 403:
                seen["refused"] += 1
            else:
                seen["other"] += 1  # e.g. 500 ETXTBSY/ENOENT in the middle of a rename
    finally:
        stop.set()
        t.join(30)
    assert swaps[0] > 100
    assert seen["checked"] > 0 and seen["refused"] > 0, seen


@pytest.mark.parametrize("line,needle", [
    ("CppCgiInterpreter py /usr/bin/python3", "CppCgiInterpreter: 'py' is not accepted; expected a file-name "
                                              "extension with its dot, such as .py"),
    ("CppCgiInterpreter .py python3", "CppCgiInterpreter: 'python3' is not accepted; expected an absolute path"),
    ("CppCgiAllowInterpreter /usr/bin/python3 perl", "CppCgiAllowInterpreter: 'perl' is not accepted"),
    ("CppCgiScriptOwner no-such-user-xyz", "CppCgiScriptOwner: 'no-such-user-xyz' is not a known user; expected a "
                                           "user name or #uid"),
    ("CppCgiScriptOwner #abc", "CppCgiScriptOwner: '#abc' is not accepted; expected a user name or #uid"),
    ("CppCgiPermissionCheck maybe", "CppCgiPermissionCheck: 'maybe' is not accepted; expected On (refuse what "
                                    "others can write, and set-id scripts; run what only the file's group can write, "
                                    "with a warning), Strict (refuse that too), Warn (refuse none of it, warn about "
                                    "all) or Off"),
    ("CppCgiErrorPage yes", "CppCgiErrorPage must be On or Off"),
    ("CppCgiStderrLimit -1", "CppCgiStderrLimit: '-1' is not accepted; expected a number of bytes from 0"),
    ("CppCgiRequestBody buffer", "CppCgiRequestBody: 'buffer' is not accepted; expected spool or stream"),
    ("CppCgiMaxScripts 0", "CppCgiMaxScripts: '0' is not accepted; expected a whole number from 1 to 100000"),
    ("CppCgiMaxRunTime soon", "CppCgiMaxRunTime: 'soon' is not accepted"),
])
def test_check_directives_refuse_bad_values(server, line, needle):
    rc, out = server.config_test(server.config_text() + line + "\n")
    assert rc != 0
    assert needle in out, out


# -- what only a file's group can write ------------------------------------------------------------
def _check_lines(srv, mark):
    return [l for l in srv.log_since(mark).splitlines() if "CPPCGI03" in l]


@pytest.mark.expect_log("CPPCGI0301", "CPPCGI0327")
def test_group_writable_tree_runs_with_one_warning_per_file(checks_server):
    # A tree made under umask 002 in a setgid (2775) deploy directory, which
    # mod_cgid runs: it runs after the swap too, and each file's risk is said
    # once, server-wide, at warn level, with the fix.
    srv = checks_server
    a = srv.write_script("chk-team/a.cgi", f"#!/bin/sh\n{HELLO}\n", mode=0o775)
    b = srv.write_script("chk-team/b.cgi", f"#!/bin/sh\n{HELLO}\n", mode=0o775)
    mark = srv.log_mark()
    assert srv.get("/chk-team/a.cgi")[:3:2] == (200, b"ran\n")
    lines = _check_lines(srv, mark)
    assert len(lines) == 2, lines  # the script, and its directory
    assert all("[cppcgi:warn]" in l and "CPPCGI0327: " in l for l in lines), lines
    assert (f"CPPCGI0327: '{a}' is writable by its group (gid {os.stat(a).st_gid}) (mode 0775): anyone in that group can change what "
            f"runs as the server's user; it runs: CppCgiPermissionCheck On lets run what only a file's group can "
            f"write, and says so once per file; fix: chmod g-w {a} (or CppCgiPermissionCheck Strict, to refuse it)"
            ) in lines[0]
    assert f"the directory of '{a}' is writable by its group (gid {os.stat(a).st_gid}) (mode 2775)" in lines[1]
    mark = srv.log_mark()
    for _ in range(4):  # more requests, over every worker process: nothing more for a.cgi or the directory
        assert srv.get("/chk-team/a.cgi")[0] == 200
    assert srv.get("/chk-team/b.cgi")[0] == 200
    lines = _check_lines(srv, mark)
    assert len(lines) == 1 and f"CPPCGI0327: '{b}' is writable by its group" in lines[0], lines
    # Changed (its ctime moves), it is said again; writable by others, it is refused.
    os.chmod(a, 0o775)
    mark = srv.log_mark()
    assert srv.get("/chk-team/a.cgi")[0] == 200
    assert len([l for l in _check_lines(srv, mark) if f"'{a}' is writable" in l]) == 1
    os.chmod(a, 0o777)
    mark = srv.log_mark()
    assert srv.get("/chk-team/a.cgi")[0] == 403
    assert "CPPCGI0301: " in "".join(_check_lines(srv, mark))


@pytest.mark.expect_log("CPPCGI0301", "CPPCGI0327")
def test_strict_refuses_what_the_group_can_write(checks_server):
    srv = checks_server
    p = srv.write_script("chk-strict/g.cgi", f"#!/bin/sh\n{HELLO}\n", mode=0o775)
    mark = srv.log_mark()
    assert srv.get("/chk-strict/g.cgi")[0] == 403
    [line] = _check_lines(srv, mark)
    assert (f"CPPCGI0301: '{p}' is writable by its group (gid {os.stat(p).st_gid}) (mode 0775): anyone in that group can change what "
            f"runs as the server's user; fix: chmod g-w {p} (or CppCgiPermissionCheck On, which runs it and warns "
            f"once)") in line


@pytest.mark.expect_log("CPPCGI0301", "CPPCGI0327")
def test_warn_runs_what_others_can_write_and_says_so_once(checks_server):
    srv = checks_server
    p = srv.write_script("chk-warn/w.cgi", f"#!/bin/sh\n{HELLO}\n", mode=0o757)
    mark = srv.log_mark()
    assert srv.get("/chk-warn/w.cgi")[:3:2] == (200, b"ran\n")
    assert srv.get("/chk-warn/w.cgi")[0] == 200
    [line] = _check_lines(srv, mark)
    assert (f"CPPCGI0327: '{p}' is writable by others (mode 0757): any user can change what runs as the server's "
            f"user; it runs, because CppCgiPermissionCheck is Warn here; fix: chmod go-w {p}") in line


# -- a script on a file system mounted noexec -----------------------------------------------------
NOEXEC_CONF = """
ScriptAlias /up/ "{root}/up/"
ScriptAlias /up-ext/ "{root}/up-ext/"
<Directory "{root}/up-ext">
  CppCgiInterpreter .py /usr/bin/python3
</Directory>
"""


@pytest.fixture(scope="module")
def noexec_server():
    # Upload directories are often mounted noexec: the kernel refuses to
    # execve anything there, a #! script included (mod_cgi's exec fails),
    # but not an interpreter given the script's path.
    if not IS_ROOT:
        pytest.skip("mounting a tmpfs needs root")
    from conftest import serve
    mounted = []

    def setup(srv):
        for d in ("up", "up-ext"):
            os.makedirs(srv.path(d), mode=0o755)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "noexec,mode=755,size=4m", "tmpfs", srv.path(d)],
                           check=True)
            mounted.append(srv.path(d))

    servers = serve(NOEXEC_CONF, setup=setup)
    try:
        yield next(servers)
    finally:
        for path in mounted:
            subprocess.run(["umount", path], check=True)
        for _ in servers:  # stops the server and checks that nothing was left running
            pass


@pytest.mark.parametrize("d,name,content,mode", [
    ("up", "hello.cgi", f"#!/bin/sh\n{HELLO}\n", 0o755),
    ("up-ext", "hello.py", "print('Content-Type: text/plain\\n\\nran')\n", 0o644),
], ids=["shebang", "by-extension"])
@pytest.mark.expect_log("CPPCGI0326")
def test_script_on_a_noexec_mount_is_refused(noexec_server, d, name, content, mode):
    srv = noexec_server
    path = srv.write_script(f"{d}/{name}", content, mode=mode)
    mark = srv.log_mark()
    status, _, _ = srv.get(f"/{d}/{name}")
    assert status == 403
    lines = [l for l in srv.log_since(mark).splitlines() if "CPPCGI0" in l]
    assert len(lines) == 1, lines
    assert (f"CPPCGI0326: '{path}' is on a file system mounted noexec (at {srv.path(d)}), where nothing may be "
            f"executed, so it is not run as a script either; fix: ") in lines[0], lines[0]
    assert f"mount -o remount,exec {srv.path(d)}" in lines[0]
    # The same file elsewhere runs: the mount is what refuses it.
    shutil.copy2(path, srv.path("cgi-bin", name))
    if d == "up":
        assert srv.get(f"/cgi-bin/{name}")[:3:2] == (200, b"ran\n")


def test_binary_on_a_noexec_mount_is_refused(noexec_server):
    srv = noexec_server
    path = srv.path("up", "true")
    shutil.copy2("/bin/true", path)
    mark = srv.log_mark()
    assert srv.get("/up/true")[0] == 403
    srv.wait_for_log(mark, r"CPPCGI0326: '%s' is on a file system mounted noexec" % path)


def test_doctor_names_the_noexec_mount(noexec_server):
    from test_doctor import doctor
    srv = noexec_server
    path = srv.write_script("up/doc.cgi", f"#!/bin/sh\n{HELLO}\n")
    rc, out = doctor(path)
    assert rc == 1, out
    assert f"CPPCGI0326" in out and f"mounted noexec (at {srv.path('up')})" in out, out
