# SPDX-License-Identifier: Apache-2.0
"""A real Apache httpd (Debian's apache2 binary) with the freshly built
mod_cppcgi, on a free 127.0.0.1 port, in a private temp directory.

Used by the pytest fixtures in conftest.py and by the demo. It never touches
the system's /etc/apache2 and always stops what it started."""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from server_processes import ServerProcesses
from waits import wait_until
import http.client
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("CPPCGI_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
MODULES_DIR = os.environ.get("CPPCGI_MODULES_DIR", "/usr/lib/apache2/modules")
HTTPD = os.environ.get("CPPCGI_HTTPD", "/usr/sbin/apache2")
# Extra environment for apache2, e.g. LD_PRELOAD of libasan for a sanitized module:
# CPPCGI_HTTPD_ENV="LD_PRELOAD=/usr/lib/gcc/x86_64-linux-gnu/12/libasan.so ASAN_OPTIONS=..."
HTTPD_ENV = dict(kv.split("=", 1) for kv in os.environ.get("CPPCGI_HTTPD_ENV", "").split() if "=" in kv)


def httpd_env():
    env = dict(os.environ)
    env.update(HTTPD_ENV)
    return env
MODULE = os.environ.get("CPPCGI_MODULE", os.path.join(SOURCE_DIR, "build", "mod_cppcgi.so"))

# Error-log lines at these levels fail a test unless it expects their id.
ALARMING = re.compile(r"\[[a-z_0-9]+:(emerg|alert|crit|error|warn)\]")
LOG_ID = re.compile(r"\b(CPPCGI\d{4}|AH\d{5})\b")
# A sanitizer report (sanitized module, tests/run-all.sh) is always a failure.
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error: ")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_user():
    """Apache's User: www-data when we are root, else ourselves."""
    if os.geteuid() == 0:
        return "www-data", "www-data"
    return None, None


def base_modules(mpm):
    mods = [(f"mpm_{mpm}_module", "mod_mpm_%s.so" % mpm)]
    for name in ("authz_core", "authz_host", "alias", "mime", "dir", "env", "setenvif"):
        mods.append((f"{name}_module", f"mod_{name}.so"))
    return mods


class HttpClient:
    """Plain HTTP/1.1 requests to host:port (127.0.0.1 unless an external server is named)."""

    host = "127.0.0.1"
    port = 0

    def request(self, method, path, body=None, headers=None, timeout=30):
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            resp = c.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)


class ExternalServer(HttpClient):
    """An already running Apache with mod_cppcgi serving the example site at
    /cgi-bin/ (the Docker image, or the demo), named by CPPCGI_EXTERNAL_URL."""

    example_prefix = "/cgi-bin/"

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"CPPCGI_EXTERNAL_URL must be http://host[:port], not {url!r}")
        self.host = parsed.hostname
        self.port = parsed.port or 80


# Every server started by this test process and not stopped yet, and what
# to call on one just before it stops: conftest.py's guard checks each server
# after every test, and before it stops, whatever fixture or test started it.
RUNNING = []
on_stop = None
# "call" while a test's body runs (a server it stops then may be busy on
# purpose), "teardown" after it (conftest.py sets it).
TEST_PHASE = "setup"
# Log ids the current test looked for (wait_for_log, expect_ids): the guard
# takes a line with one of them as expected; it empties the set per test.
EXPECTED_IDS = set()


def expect_ids(text):
    """Notes the log ids (CPPCGInnnn, AHnnnnn) named in `text` as expected by the current test."""
    EXPECTED_IDS.update(re.findall(r"CPPCGI\d{4}|AH\d{5}", text))


class HttpdServer(HttpClient, ServerProcesses):
    """One Apache instance. `extra_conf` is appended to the generated config."""

    example_prefix = "/example/"

    def __init__(self, mpm="event", extra_conf="", site_dirs=None, log_level="warn cppcgi:info", module=None):
        self.mpm = mpm
        self.extra_conf = extra_conf
        self.log_level = log_level
        self.module = module or MODULE
        self.module_lines = None  # None: load the built mod_cppcgi
        self.mpm_conf = None      # None: the small test sizing below
        # Short path: the helper socket lives here and sun_path holds 108 bytes.
        self.root = tempfile.mkdtemp(prefix="cppcgi-", dir="/tmp")
        os.chmod(self.root, 0o755)
        self.port = free_port()
        self.conf_path = os.path.join(self.root, "httpd.conf")
        self.error_log = os.path.join(self.root, "logs", "error.log")
        self.pid_file = os.path.join(self.root, "run", "httpd.pid")
        self.parent_pid = None
        for d in ("logs", "run", "htdocs"):
            os.makedirs(os.path.join(self.root, d), mode=0o755, exist_ok=True)
        self.site_dirs = {}
        for name, src in (site_dirs or {}).items():
            self.add_dir(name, src)

    # -- files --------------------------------------------------------------
    def add_dir(self, name, src=None):
        """Creates ROOT/name (0755), copying src's files with their modes."""
        dst = os.path.join(self.root, name)
        if src:
            shutil.copytree(src, dst, dirs_exist_ok=True)
        os.makedirs(dst, exist_ok=True)
        # Modes from a checkout depend on the umask; scripts must not be group-writable.
        for dirpath, _dirs, files in os.walk(dst):
            os.chmod(dirpath, 0o755)
            for name in files:
                f = os.path.join(dirpath, name)
                os.chmod(f, 0o755 if os.stat(f).st_mode & 0o100 else 0o644)
        self.site_dirs[name] = dst
        return dst

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def write_script(self, rel, text, mode=0o755):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), mode=0o755, exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    # -- config -------------------------------------------------------------
    def config_text(self, mpm=None, module_lines=None):
        mpm = mpm or self.mpm
        user, group = run_user()
        lines = [f'ServerRoot "{self.root}"', f"Listen 127.0.0.1:{self.port}"]
        for name, so in base_modules(mpm):
            lines.append(f'LoadModule {name} "{MODULES_DIR}/{so}"')
        if module_lines is None:
            module_lines = self.module_lines
        lines += module_lines if module_lines is not None else [f'LoadModule cppcgi_module "{self.module}"']
        if user:
            lines += [f"User {user}", f"Group {group}"]
        lines += [
            "ServerName localhost",
            "TypesConfig /etc/mime.types",
            f'PidFile "{self.pid_file}"',
            f'DefaultRuntimeDir "{self.root}/run"',
            f'ErrorLog "{self.error_log}"',
            f"LogLevel {self.log_level}",
            f'DocumentRoot "{self.root}/htdocs"',
            "Timeout 30",
            "KeepAlive On",
            f'<Directory "{self.root}">',
            "  Require all granted",
            "  AllowOverride None",
            "</Directory>",
            self.extra_conf,
        ]
        if self.mpm_conf is not None:
            lines.append(self.mpm_conf)
        elif mpm == "prefork":
            lines += ["StartServers 2", "MinSpareServers 2", "MaxSpareServers 4", "MaxRequestWorkers 20"]
        else:
            lines += ["StartServers 2", "ThreadsPerChild 16", "MaxRequestWorkers 64",
                      "MinSpareThreads 8", "MaxSpareThreads 48"]
        return "\n".join(lines) + "\n"

    def write_config(self, text=None):
        with open(self.conf_path, "w") as f:
            f.write(text if text is not None else self.config_text())

    def config_test(self, text):
        """Runs `apache2 -t` on the given config text; returns (exit code, output)."""
        path = os.path.join(self.root, "test.conf")
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([HTTPD, "-f", path, "-t"], capture_output=True, text=True, timeout=60, env=httpd_env())
        return p.returncode, p.stdout + p.stderr

    # -- lifecycle ----------------------------------------------------------
    def start(self, timeout=15):
        self.write_config()
        p = subprocess.run([HTTPD, "-f", self.conf_path, "-k", "start"], capture_output=True, text=True, timeout=60,
                           env=httpd_env())
        if p.returncode != 0:
            raise RuntimeError(f"apache2 failed to start ({p.returncode}): {p.stdout}{p.stderr}\n{self.read_log()}")
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                self.parent_pid = int(open(self.pid_file).read().strip())
                if self._answers():
                    # What the tests' guard (conftest.py) compares this server with.
                    self.start_snapshot = self._settled_snapshot()
                    RUNNING.append(self)
                    return self
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("apache2 did not answer in time:\n" + self.read_log())

    def _answers(self):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            c.request("GET", "/")
            c.getresponse().read()
            c.close()
            return True
        except OSError:
            return False

    def signal(self, action):
        """apache2 -k graceful|restart|graceful-stop."""
        subprocess.run([HTTPD, "-f", self.conf_path, "-k", action], check=True, timeout=60, env=httpd_env())

    def stop(self, timeout=20):
        """Stops httpd and waits until httpd, its helpers and their scripts are gone."""
        if self in RUNNING:
            RUNNING.remove(self)
            if on_stop is not None and self.parent_pid is not None:
                on_stop(self)
        if self.parent_pid is None:
            return []
        tree = self.process_tree()
        subprocess.run([HTTPD, "-f", self.conf_path, "-k", "stop"], capture_output=True, timeout=60, env=httpd_env())
        deadline = time.time() + timeout
        pids = {p["pid"] for p in tree} | {self.parent_pid}
        left = []
        while time.time() < deadline:
            left = [pid for pid in pids if _alive(pid)]
            if not left:
                break
            time.sleep(0.05)
        for pid in left:  # never leave anything behind, even when the test fails
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.parent_pid = None
        return left

    def cleanup(self):
        if self in RUNNING:
            RUNNING.remove(self)
        shutil.rmtree(self.root, ignore_errors=True)

    def read_log(self):
        try:
            with open(self.error_log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_mark(self):
        try:
            return os.path.getsize(self.error_log)
        except OSError:
            return 0

    def log_since(self, mark):
        try:
            with open(self.error_log, errors="replace") as f:
                f.seek(mark)
                return f.read()
        except OSError:
            return ""

    def wait_for_log(self, mark, pattern, timeout=10):
        expect_ids(pattern)
        text = wait_until(lambda: (lambda t: t if re.search(pattern, t) else None)(self.log_since(mark)), timeout)
        if not text:
            raise AssertionError(f"log pattern {pattern!r} not seen; log:\n{self.log_since(mark)}")
        return text


def wait_for_pids(path, timeout=10):
    """The pids a test script (pidfile.sh) wrote to path: [script, child]."""
    def pids():
        try:
            text = open(path).read().split()
            return [int(x) for x in text] if len(text) == 2 else None
        except OSError:
            return None
    return wait_until(pids, timeout, what="the pids the script writes")


def shared_dir(srv):
    """A directory under the server's root that scripts (another user) can write to."""
    d = tempfile.mkdtemp(prefix="pids-", dir=srv.root)
    os.chmod(d, 0o777)
    return d


def wait_gone(pid, timeout=8):
    """True once /proc has no entry for pid (ended and reaped), within timeout s."""
    return wait_until(lambda: not os.path.exists(f"/proc/{pid}"), timeout)


def read_to_eof(sock):
    """Everything the peer sends until it closes (or the socket times out)."""
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def _alive(pid):
    """True while /proc has the pid, zombies included: someone must still reap it."""
    return os.path.exists(f"/proc/{pid}")
