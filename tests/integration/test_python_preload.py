# SPDX-License-Identifier: Apache-2.0
"""CppCgiPythonPreload: python3 scripts forked from a warm interpreter give
what a fresh python3 gives. The same script files are served under /pyc/
(Off: a fresh interpreter per request) and /pyw/ (On), and each answer,
status and stderr is compared; the access log's %{cppcgi-python}n says
which way each warm-side request started, and a comparison counts only a
request that really started warm."""

import hashlib
import os
import re
import shutil
import subprocess
import time

import pytest

from httpd_server import shared_dir
from waits import wait_until

# The scripts' own stderr, and the failures the cases are made of.
pytestmark = pytest.mark.expect_log("CPPCGI0001")

CONF = """
ScriptAlias /pyc/ "{root}/py/"
ScriptAlias /pyw/ "{root}/py/"
ScriptAlias /pym/ "{root}/py/"
ScriptAlias /pyx/ "{root}/py/"
<Location /pyw/>
  CppCgiPythonPreload On
</Location>
<Location /pym/>
  CppCgiPythonPreload On json
</Location>
<Location /pyx/>
  CppCgiPythonPreload On no_such_module_here
</Location>
<Location /pyc/term.py>
  CppCgiIdleTimeout 1
</Location>
<Location /pyw/term.py>
  CppCgiIdleTimeout 1
</Location>
<LocationMatch "^/py[cw]/env[.]py$">
  RLimitCPU 50 60
  RLimitMEM 3000000000 3100000000
</LocationMatch>
<Location /cppcgi-status>
  SetHandler cppcgi-status
</Location>
LogFormat "%>s %{{cppcgi-python}}n %U" py
CustomLog "{root}/logs/py.log" py
"""

SCRIPTS = {
    "env.py": r'''#!/usr/bin/python3
"""Dumps what a script sees of its interpreter."""
import os, signal, sys
print("Content-Type: text/plain\n")
for k, v in os.environ.items():
    if k != "REMOTE_PORT":
        print("env", k, v)
print("environb", sorted(k for k in os.environb if k != b"REMOTE_PORT"))
import posix
print("posix.environ", sorted(k for k in posix.environ if k != b"REMOTE_PORT"))
print("argv", sys.argv, "orig", sys.orig_argv)
print("file", __file__, __name__, __doc__, "cwd", os.getcwd(), "path0", sys.path[0])
print("globals", list(globals()))
print("modules", sorted(sys.modules))
print("flags", sys.flags)
print("stdio", [(f.encoding, f.errors, f.line_buffering, f.write_through) for f in (sys.stdin, sys.stdout, sys.stderr)])
print("signals", [signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGPIPE, signal.SIGCHLD, signal.SIGHUP)])
print("mask", signal.pthread_sigmask(signal.SIG_BLOCK, []))
print("group", os.getpgid(0) == os.getpid(), "umask", os.umask(0o22))
import resource
print("limits", [resource.getrlimit(r) for r in (resource.RLIMIT_CPU, resource.RLIMIT_AS, resource.RLIMIT_NPROC)])
print("fds", sorted(os.listdir("/proc/self/fd")))
''',
    "argv.py": '''#!/usr/bin/python3
import sys
print("Content-Type: text/plain\\n")
print(sys.argv[1:])
''',
    "form.py": '''#!/usr/bin/python3
import cgi
form = cgi.FieldStorage()
print("Content-Type: text/plain\\n")
for k in sorted(form.keys()):
    print(k, form.getlist(k))
''',
    "report.py": '''#!/usr/bin/python3
import cgitb
cgitb.enable()
print("Content-Type: text/html\\n")
def divide(a, b):
    return a / b
divide(1, 0)
''',
    "exit3.py": '''#!/usr/bin/python3
import atexit, sys
atexit.register(lambda: sys.stderr.write("atexit ran\\n"))
print("Content-Type: text/plain\\n\\nbefore exit")
sys.exit(3)
''',
    "raises.py": '''#!/usr/bin/python3
def inner():
    raise ValueError("boom from the script")
inner()
''',
    "binary.py": '''#!/usr/bin/python3
import sys
sys.stdout.buffer.write(b"Content-Type: application/octet-stream\\r\\n\\r\\n" + bytes(range(256)) * 64)
''',
    "stdin.py": '''#!/usr/bin/python3
import hashlib, sys
data = sys.stdin.buffer.read()
print("Content-Type: text/plain\\n")
print(len(data), hashlib.sha256(data).hexdigest())
''',
    "rnd.py": '''#!/usr/bin/python3
import random
print("Content-Type: text/plain\\n")
print(random.random())
''',
    "term.py": '''#!/usr/bin/python3
import os, signal, sys, time
def ended(signum, frame):
    with open(os.environ["QUERY_STRING"], "w") as f:
        f.write("got SIGTERM in %s, leaving" % __file__)
    sys.exit(0)
signal.signal(signal.SIGTERM, ended)
time.sleep(30)
''',
    "unbuffered.py": '''#!/usr/bin/python3 -u
import sys
print("Content-Type: text/plain\\n")
print(sys.stdout.write_through, sys.stderr.write_through)
''',
    "thread.py": '''#!/usr/bin/python3
import sys, threading, time
print("Content-Type: text/plain\\n")
def late():
    time.sleep(0.2)
    print("from a thread the interpreter waits for")
threading.Thread(target=late).start()
sys.exit("leaving with a message")
''',
    "unclosed.py": '''#!/usr/bin/python3
import os
log = open(os.environ["QUERY_STRING"], "w")  # never closed: written when the interpreter ends
log.write("buffered until the end")
class Noisy:
    def __del__(self):
        print("collected at exit")
keep = Noisy()
print("Content-Type: text/plain\\n")
''',
    "probe.py": '''#!/usr/bin/python3
import os
print("Content-Type: text/plain\\n")
for pid in filter(str.isdigit, os.listdir("/proc")):
    if int(pid) == os.getpid():
        continue  # forked from a warm process, a script has its command line
    try:
        if b"mod_cppcgi's warm Python process" not in open(f"/proc/{pid}/cmdline", "rb").read():
            continue
        open(f"/proc/{pid}/mem", "rb").close()
        print("read", pid)
    except PermissionError:
        print("refused")
    except OSError:
        pass
import ctypes
print("dumpable", ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))  # PR_GET_DUMPABLE
''',
    "slow.py": '''#!/usr/bin/python3
import time
time.sleep(1.5)
print("Content-Type: text/plain\\n\\nslept")
''',
    "syntax.py": '''#!/usr/bin/python3
print("Content-Type: text/plain\\n")
print("never closed"
''',
    "warns.py": '''#!/usr/bin/python3
print("Content-Type: text/plain\\n")
print(1 is 1)
''',
    "execs.py": '''#!/usr/bin/python3
import subprocess, sys
print("Content-Type: text/plain\\n", flush=True)
out = subprocess.run(["/usr/bin/env"], capture_output=True, check=True).stdout.decode()
print("\\n".join(sorted(line for line in out.splitlines() if not line.startswith("REMOTE_PORT="))))
''',
    # Larger than what the warm process compiles itself: its script process does.
    "large.py": "#!/usr/bin/python3\n" + "# padding\n" * 30000 + "print('Content-Type: text/plain\\n')\nprint(1 is 1)\n",
    "modules.py": '''#!/usr/bin/python3
import sys
print("Content-Type: text/plain\\n")
print("json" in sys.modules)
import json
print(getattr(json, "mark", None))
json.mark = "changed by an earlier script"
''',
}


@pytest.fixture(scope="module")
def py():
    from conftest import serve

    def setup(srv):
        d = srv.add_dir("py")
        for name, text in SCRIPTS.items():
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)
        srv.py_dir = d

    yield from serve(CONF, setup=setup)


def _how(srv, url_path, seen):
    """The %{cppcgi-python}n of the next access-log line for url_path after `seen` lines."""
    path = srv.path("logs", "py.log")

    def line():
        lines = open(path).read().splitlines() if os.path.exists(path) else []
        for i in range(seen, len(lines)):
            status, note, logged = lines[i].split(" ", 2)
            if logged == url_path:
                return note, i + 1
        return None
    return wait_until(line, what=f"an access-log line for {url_path}")


def _log_lines(srv):
    path = srv.path("logs", "py.log")
    return len(open(path).read().splitlines()) if os.path.exists(path) else 0


def _stderr(srv, mark, script):
    pattern = re.compile(r"CPPCGI0001: stderr from " + re.escape(script) + r": (.*)$")
    return [m.group(1) for m in map(pattern.search, srv.log_since(mark).splitlines()) if m]


def _run(srv, prefix, name, query="", body=None, headers=None):
    """(status, headers without Date, body, stderr lines, how it started)."""
    seen = _log_lines(srv)
    mark = srv.log_mark()
    url = f"/{prefix}/{name}" + (f"?{query}" if query else "")
    method = "POST" if body is not None else "GET"
    status, hdrs, data = srv.request(method, url, body=body, headers=headers)
    how, _ = _how(srv, f"/{prefix}/{name}", seen)
    script = os.path.join(srv.py_dir, name)
    time.sleep(0.05)  # stderr lines are logged as they come; the exit comes after them
    # Framing depends on timing (short output that ends soon after its headers gets a
    # Content-Length, else it is chunked): the body is compared instead.
    hdrs = {k: v for k, v in hdrs.items()
            if k not in ("date", "keep-alive", "connection", "content-length", "transfer-encoding")}
    return status, hdrs, data.replace(f"/{prefix}/".encode(), b"/PREFIX/"), _stderr(srv, mark, script), how


def _warm(srv, name, query="", body=None, headers=None, tries=20):
    """A request to /pyw/ that started warm (every helper has its own warm process)."""
    for _ in range(tries):
        got = _run(srv, "pyw", name, query, body, headers)
        if got[4] == "warm":
            return got
        time.sleep(0.1)
    pytest.fail(f"/pyw/{name} never started warm: {got[4]!r}")


CASES = [
    ("env.py", "", None, None),
    ("argv.py", "first+second%20word+third", None, None),
    ("form.py", "", b"name=Ada&lang=python&lang=c%2B%2B",
     {"Content-Type": "application/x-www-form-urlencoded"}),
    ("report.py", "", None, None),
    ("exit3.py", "", None, None),
    ("raises.py", "", None, None),
    ("binary.py", "", None, None),
    ("stdin.py", "", os.urandom(200000), {"Content-Type": "application/octet-stream"}),
    ("unbuffered.py", "", None, None),
    ("thread.py", "", None, None),
    ("syntax.py", "", None, None),
    ("warns.py", "", None, None),
    ("execs.py", "", None, None),
    ("large.py", "", None, None),
]


@pytest.mark.parametrize("name,query,body,headers", CASES, ids=[c[0] for c in CASES])
def test_warm_gives_what_a_fresh_interpreter_gives(py, name, query, body, headers):
    cold = _run(py, "pyc", name, query, body, headers)
    warm = _warm(py, name, query, body, headers)
    assert cold[4] == "-"  # no note where the preload is off
    strip = (lambda b: re.sub(rb"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}", b"DATE", b)) if name == "report.py" \
        else (lambda b: b)
    assert warm[0] == cold[0]
    assert warm[1] == cold[1]
    assert strip(warm[2]) == strip(cold[2])
    assert warm[3] == cold[3]


def test_the_cases_say_what_they_should(py):
    # The differential test above compares like with like; these make sure the
    # cases exercise what they are named after.
    assert _warm(py, "exit3.py")[3] == ["atexit ran"]
    assert b"limits [(50, 60), (3000000000, 3100000000), " in _warm(py, "env.py")[2]  # RLimitCPU, RLimitMEM
    status, _, _, err, _ = _warm(py, "raises.py")
    assert status == 500 and err[0] == "Traceback (most recent call last):"
    assert err[-1] == "ValueError: boom from the script" and not any("<string>" in line for line in err)
    status, _, body, _, _ = _warm(py, "report.py")
    assert b"ZeroDivisionError" in body and b"divide" in body
    _, _, body, _, _ = _warm(py, "argv.py", "first+second%20word+third")
    assert body.strip() == b"['first', 'second word', 'third']"
    _, _, body, _, _ = _warm(py, "form.py", body=b"name=Ada&lang=python&lang=c%2B%2B",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert b"lang ['python', 'c++']" in body
    data = os.urandom(100000)
    _, _, body, _, _ = _warm(py, "stdin.py", body=data, headers={"Content-Type": "application/octet-stream"})
    assert body.split() == [str(len(data)).encode(), hashlib.sha256(data).hexdigest().encode()]
    _, _, body, err, _ = _warm(py, "thread.py")
    assert body == b"from a thread the interpreter waits for\n" and err == ["leaving with a message"]
    _, _, body, _, _ = _warm(py, "unbuffered.py")
    assert body.split() == [b"True", b"True"]
    status, _, _, err, _ = _warm(py, "syntax.py")
    assert status == 500 and err[-1].startswith("SyntaxError: ") and "Traceback" not in err[0]
    status, _, body, err, _ = _warm(py, "warns.py")
    assert status == 200 and body == b"True\n" and any("SyntaxWarning" in line for line in err)
    status, _, body, err, _ = _warm(py, "large.py")
    assert status == 200 and body == b"True\n" and any("SyntaxWarning" in line for line in err)
    _, _, body, _, _ = _warm(py, "execs.py")  # what it runs gets the request's environment
    assert b"GATEWAY_INTERFACE=CGI/1.1" in body.splitlines() and b"APACHE_" not in body


def test_a_script_changed_on_disk_runs_as_it_now_is(py):
    # The warm process compiles a script once per version of its file.
    path = os.path.join(py.py_dir, "edited.py")
    for text in ("first", "again", "third version"):
        with open(path + ".new", "w") as f:
            f.write(f'#!/usr/bin/python3\nprint("Content-Type: text/plain\\n")\nprint("{text}")\n')
        os.chmod(path + ".new", 0o755)
        os.replace(path + ".new", path)
        assert _warm(py, "edited.py")[2] == text.encode() + b"\n"
    with open(path, "r+") as f:  # in place, same size
        text = f.read().replace("third version", "third edition")
        f.seek(0)
        f.write(text)
    assert _warm(py, "edited.py")[2] == b"third edition\n"


def _each_way(srv, name, tag):
    """Runs `name` cold and warm, each with a fresh file in a directory its user may
    write as QUERY_STRING; yields (prefix, status, body, that file's path)."""
    d = shared_dir(srv)
    for prefix in ("pyc", "pyw"):
        for attempt in range(20):
            path = os.path.join(d, f"{tag}-{prefix}-{attempt}")
            status, _, body, _, how = _run(srv, prefix, name, path)
            if prefix == "pyc" or how == "warm":
                break
        yield prefix, status, body, path


def test_what_a_script_leaves_unclosed_is_written_at_its_end(py):
    got = {prefix: (status, body, open(path).read()) for prefix, status, body, path in _each_way(py, "unclosed.py", "u")}
    assert got["pyc"] == got["pyw"] == (200, b"collected at exit\n", "buffered until the end")


def test_every_warm_script_draws_its_own_random_numbers(py):
    values = [_warm(py, "rnd.py")[2] for _ in range(4)]
    assert len(set(values)) == 4, values


@pytest.mark.expect_log("CPPCGI0010")
def test_a_timeout_ends_a_warm_script_as_it_ends_a_fresh_one(py):
    said = {}
    for prefix, status, _, marker in _each_way(py, "term.py", "term"):
        assert status == 504
        said[prefix] = wait_until(lambda: os.path.exists(marker) and open(marker).read(),
                                  what=f"{prefix}'s SIGTERM handler to write {marker}")
    assert said["pyc"] == said["pyw"] == f"got SIGTERM in {py.py_dir}/term.py, leaving"


def test_the_status_page_says_which_scripts_started_warm(py):
    import json
    import threading
    before = json.loads(py.get("/cppcgi-status?json")[2])["python_warm_starts"]
    _warm(py, "argv.py")
    _warm(py, "argv.py")
    assert json.loads(py.get("/cppcgi-status?json")[2])["python_warm_starts"] >= before + 2
    # A running script's row says how it started (run until one started warm).
    for _ in range(10):
        seen, done = set(), threading.Event()
        t = threading.Thread(target=lambda: (py.get("/pyw/slow.py"), done.set()))
        t.start()
        while not done.is_set():
            running = json.loads(py.get("/cppcgi-status?json")[2])["running"]
            seen |= {r["started"] for r in running if r["request"] == "GET /pyw/slow.py"}
            time.sleep(0.1)
        t.join()
        if "warm" in seen:
            break
    assert "warm" in seen
    assert "<th>Started</th>" in py.get("/cppcgi-status")[2].decode()


def test_a_script_cannot_reach_into_the_warm_process(py):
    # Scripts run as the same user as the warm process that outlives them.
    _, _, body, _, _ = _warm(py, "probe.py")
    lines = body.decode().split()
    assert "refused" in lines and "read" not in lines, body
    assert lines[-2:] == ["dumpable", "1"]  # a script itself is as dumpable as an exec'd one


def test_preloaded_modules_are_there_and_each_script_has_its_own_copy(py):
    for _ in range(3):
        status, _, body, _, how = _run(py, "pym", "modules.py")
        if how == "warm":
            assert body.split(b"\n", 1)[0] == b"True"
            assert b"changed by an earlier script" not in body
    _, _, body, _, _ = _warm(py, "modules.py")
    assert body.split(b"\n")[0] == b"False"  # /pyw/ preloads nothing


def test_a_preload_that_fails_is_logged_and_scripts_still_run(py):
    mark = py.log_mark()
    for _ in range(3):
        status, _, body, _, how = _run(py, "pyx", "argv.py", "x")
        assert status == 200 and how == "cold"
    py.wait_for_log(mark, r"CPPCGI0104: .*could not start \(importing no_such_module_here: "
                          r"ModuleNotFoundError.*fix: check the modules CppCgiPythonPreload names")


def test_warm_processes_run_as_user_and_end_with_the_server(py, fresh_server):
    _warm(py, "argv.py")
    warm = py.warm_pythons()
    assert warm, "no warm Python process found"
    helper_uids = {os.stat(f"/proc/{pid}").st_uid for pid in py.helper_pids()}
    assert {p["uid"] for p in warm} == helper_uids
    for p in warm:  # its memory (proportional set size), which the README states
        pss = [line for line in open(f"/proc/{p['pid']}/smaps_rollup") if line.startswith("Pss:")]
        print(f"warm process {p['pid']}: {pss[0].strip()}")
    srv = fresh_server("ScriptAlias /w/ \"%s/\"\n<Location /w/>\nCppCgiPythonPreload On\n</Location>\n" % py.py_dir)
    srv.start()
    wait_until(lambda: srv.get("/w/argv.py")[0] == 200 and srv.warm_pythons(), what="a warm process")
    pids = [p["pid"] for p in srv.warm_pythons()]
    assert not srv.stop()
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}"), f"warm process {pid} outlived its server"


def test_an_interpreter_replaced_on_disk_is_not_used_warm_again(py):
    # A package upgrade replaces python3's file: scripts forked from a warm
    # process of the old file would run the old interpreter. The warm process
    # is keyed by the file, so the next warm start comes from the new one.
    python = "/usr/local/bin/python3.87"  # a name the preload accepts, made for this test
    shutil.copy2(os.path.realpath("/usr/bin/python3"), python)
    try:
        path = os.path.join(py.py_dir, "exe.py")
        with open(path, "w") as f:
            f.write(f'#!{python}\nimport os\nprint("Content-Type: text/plain\\n")\n'
                    'print(os.readlink("/proc/self/exe"))\n')
        os.chmod(path, 0o755)
        assert _warm(py, "exe.py")[2] == python.encode() + b"\n"
        shutil.copy2(python, python + ".new")
        os.replace(python + ".new", python)  # a new file (inode), as dpkg installs one
        assert _warm(py, "exe.py")[2] == python.encode() + b"\n"  # not "... (deleted)"
    finally:
        os.unlink(python)


def test_a_zip_application_is_run_by_python3_itself_with_only_its_stdio(py):
    # A file with a NUL byte goes to the real interpreter (fexecve), from the
    # warm side as from the cold one, with nothing open but fds 0-2.
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("__main__.py", 'import os\nprint("Content-Type: text/plain\\n")\n'
                                  'print(sorted(os.listdir("/proc/self/fd")))\n')
    path = os.path.join(py.py_dir, "zipapp.py")
    with open(path, "wb") as f:
        f.write(b"#!/usr/bin/python3\n" + buf.getvalue())
    os.chmod(path, 0o755)
    cold = _run(py, "pyc", "zipapp.py")
    warm = _warm(py, "zipapp.py")
    assert cold[0] == warm[0] == 200 and cold[2] == warm[2] == b"['0', '1', '2', '3']\n", (cold, warm)
