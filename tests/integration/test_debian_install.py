# SPDX-License-Identifier: Apache-2.0
"""The README's "Installing into the system's Apache", on a private copy of
Debian's /etc/apache2: `cmake --install` (into a DESTDIR), `a2enmod cppcgi`
refused while mod_cgid is enabled (the Conflicts line of cppcgi.load),
`a2dismod cgi cgid`, `a2enmod cppcgi`, `apache2ctl -t`, then that server
started by apache2ctl serving a script through Debian's serve-cgi-bin.conf
(/cgi-bin/ → /usr/lib/cgi-bin, guarded by <IfModule mod_cgi.c>/<IfModule
mod_cgid.c>), unchanged. Enabling mod_cgid again next to it is refused by
`apache2ctl -t` with CPPCGI0200.

The copy gets its own ServerRoot, port (127.0.0.1), run, lock and log
directories and a2enmod state directory; the system's /etc/apache2,
/var/run/apache2 and /var/lib/apache2 are not touched. The script is written
into /usr/lib/cgi-bin under a unique name and removed afterwards (root only)."""

import os
import re
import shutil
import subprocess
import time
import uuid

import pytest

from conftest import missing_program
from httpd_server import ALARMING, MODULE, SANITIZER, HttpClient, HttpdServer, httpd_env, wait_gone

SYSTEM_CONF = "/etc/apache2"
CGI_BIN = "/usr/lib/cgi-bin"
TOOLS = ("/usr/sbin/a2enmod", "/usr/sbin/apache2ctl", "/usr/bin/cmake")


def _why_not():
    if os.geteuid() != 0:
        return "needs root (apache2ctl start as Debian does it, a script in /usr/lib/cgi-bin)"
    missing = [t for t in TOOLS + (os.path.join(SYSTEM_CONF, "apache2.conf"),) if not os.path.exists(t)]
    if missing:
        return "missing: " + ", ".join(missing)
    if not os.path.exists(os.path.join(os.path.dirname(MODULE), "CMakeCache.txt")):
        return f"{MODULE} is not in a CMake build directory"
    return None


@pytest.fixture(scope="module")
def debian():
    why = _why_not()
    if why:
        missing_program(why)
    site = DebianCopy()
    try:
        site.prepare()
        yield site
    finally:
        site.close()


class DebianCopy:
    """A copy of /etc/apache2 driven by Debian's own a2enmod and apache2ctl."""

    def __init__(self):
        self.tmp = HttpdServer(mpm="event")  # only for its temp directory and process helpers
        self.root = self.tmp.root
        self.port = self.tmp.port
        self.conf = os.path.join(self.root, "apache2")
        self.destdir = os.path.join(self.root, "destdir")
        self.script = None

    def prepare(self):
        subprocess.run(["cmake", "--install", os.path.dirname(MODULE)], check=True, capture_output=True,
                       env=dict(os.environ, DESTDIR=self.destdir), timeout=120)
        shutil.copytree(SYSTEM_CONF, self.conf, symlinks=True)
        for d in ("run", "lock", "log", "state"):
            os.makedirs(os.path.join(self.root, d), mode=0o755, exist_ok=True)
        with open(os.path.join(self.conf, "envvars"), "a") as f:
            f.write(f"\nexport APACHE_PID_FILE={self.root}/run/apache2.pid\nexport APACHE_RUN_DIR={self.root}/run\n"
                    f"export APACHE_LOCK_DIR={self.root}/lock\nexport APACHE_LOG_DIR={self.root}/log\n")
        with open(os.path.join(self.conf, "ports.conf"), "w") as f:
            f.write(f"Listen 127.0.0.1:{self.port}\n")
        default_site = os.path.join(self.conf, "sites-available", "000-default.conf")
        if os.path.exists(default_site):
            text = open(default_site).read().replace("*:80>", f"*:{self.port}>")
            with open(default_site, "w") as f:
                f.write(text)
        # What `cmake --install` put into mods-available, with the module at its DESTDIR path.
        installed = self.destdir + SYSTEM_CONF + "/mods-available"
        for name in ("cppcgi.load", "cppcgi.conf"):
            text = open(os.path.join(installed, name)).read()
            text = re.sub(r"(LoadModule cppcgi_module )(\S+)", lambda m: m.group(1) + self.destdir + m.group(2), text)
            with open(os.path.join(self.conf, "mods-available", name), "w") as f:
                f.write(text)

    def env(self, tool):
        # apache2ctl runs apache2: it gets what a sanitized module needs (CPPCGI_HTTPD_ENV).
        base = httpd_env() if tool.endswith("apache2ctl") else dict(os.environ)
        return dict(base, APACHE_CONFDIR=self.conf, APACHE_STATE_DIRECTORY=os.path.join(self.root, "state"),
                    APACHE_STARTED_BY_SYSTEMD="1")

    def run(self, *args):
        p = subprocess.run(list(args), capture_output=True, text=True, env=self.env(args[0]), timeout=120)
        return p.returncode, p.stdout + p.stderr

    def ensure_enabled(self):
        """The README's steps (idempotent), for a test run on its own."""
        if "cppcgi" not in self.enabled() or {"cgi", "cgid"} & set(self.enabled()):
            for step in (("/usr/sbin/a2dismod", "-q", "cgi", "cgid"), ("/usr/sbin/a2enmod", "-q", "cppcgi")):
                code, out = self.run(*step)
                assert code == 0, out

    def ensure_script(self):
        if self.script is None:
            os.makedirs(CGI_BIN, exist_ok=True)
            self.script = os.path.join(CGI_BIN, f"cppcgi-install-test-{uuid.uuid4().hex[:12]}")
            with open(self.script, "w") as f:
                f.write('#!/bin/sh\nprintf "Content-Type: text/plain\\n\\n"\n'
                        'echo "gateway=$GATEWAY_INTERFACE file=$SCRIPT_FILENAME user=$(id -un)"\n')
            os.chmod(self.script, 0o755)
        return os.path.basename(self.script)

    def running(self):
        pid = self.pid()
        return pid is not None and os.path.exists(f"/proc/{pid}")

    def ensure_started(self):
        self.ensure_enabled()
        name = self.ensure_script()
        if not self.running():
            code, out = self.run("/usr/sbin/apache2ctl", "-k", "start")
            assert code == 0, out + self.error_log()
        client = HttpClient()
        client.port = self.port
        deadline = time.time() + 15
        while True:
            try:
                return client.get(f"/cgi-bin/{name}", timeout=5)
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)

    def enabled(self):
        return sorted(n[:-5] for n in os.listdir(os.path.join(self.conf, "mods-enabled")) if n.endswith(".load"))

    def error_log(self):
        try:
            return open(os.path.join(self.root, "log", "error.log")).read()
        except OSError:
            return ""

    def pid(self):
        try:
            return int(open(os.path.join(self.root, "run", "apache2.pid")).read())
        except (OSError, ValueError):
            return None

    def close(self):
        if self.running():
            pid = self.pid()
            self.tmp.parent_pid = pid
            tree = self.tmp.process_tree()
            self.run("/usr/sbin/apache2ctl", "-k", "stop")
            for p in [pid] + [q["pid"] for q in tree]:
                if not wait_gone(p, timeout=20):
                    os.kill(p, 9)
        if self.script:
            os.unlink(self.script)
        self.tmp.cleanup()


def test_a2enmod_refuses_cppcgi_next_to_cgid_then_enables_it_after_a2dismod(debian):
    if "cppcgi" in debian.enabled():
        debian.run("/usr/sbin/a2dismod", "-q", "cppcgi")
    code, out = debian.run("/usr/sbin/a2enmod", "cgid")  # a server that ran mod_cgid until now
    assert code == 0, out
    code, out = debian.run("/usr/sbin/a2enmod", "cppcgi")
    assert code != 0 and "cgid is enabled" in out and "conflicts" in out, out
    assert "cppcgi" not in debian.enabled()
    code, out = debian.run("/usr/sbin/a2dismod", "cgi", "cgid")
    assert code == 0, out
    code, out = debian.run("/usr/sbin/a2enmod", "cppcgi")
    assert code == 0, out
    assert "cppcgi" in debian.enabled() and "cgid" not in debian.enabled()
    assert os.path.islink(os.path.join(debian.conf, "mods-enabled", "cppcgi.conf"))
    code, out = debian.run("/usr/sbin/apache2ctl", "-t")
    assert code == 0 and "Syntax OK" in out, out
    code, out = debian.run("/usr/sbin/apache2ctl", "-M")
    assert code == 0 and "cppcgi_module" in out and "cgid_module" not in out, out


def test_debians_serve_cgi_bin_conf_runs_a_script_unchanged(debian):
    status, _, body = debian.ensure_started()
    assert status == 200, (status, body, debian.error_log())
    assert body.decode() == f"gateway=CGI/1.1 file={debian.script} user=www-data\n"
    debian.tmp.parent_pid = debian.pid()
    assert len(debian.tmp.helper_pids()) >= 2  # the pool runs (CPPCGI0100 is at info, below Debian's LogLevel)
    log = debian.error_log()
    # Debian's apache2.conf has no ServerName: AH00558 is the only warning expected.
    bad = [line for line in log.splitlines()
           if (ALARMING.search(line) and "AH00558" not in line) or SANITIZER.search(line)]
    assert not bad, log


def test_apache2ctl_stop_leaves_nothing_running(debian):
    debian.ensure_started()
    pid = debian.pid()
    debian.tmp.parent_pid = pid
    tree = [p["pid"] for p in debian.tmp.process_tree()]
    assert len(tree) >= 3  # workers and helpers
    code, out = debian.run("/usr/sbin/apache2ctl", "-k", "stop")
    assert code == 0, out
    left = [p for p in [pid] + tree if not wait_gone(p, timeout=20)]
    assert not left, left
    assert not [line for line in debian.error_log().splitlines() if SANITIZER.search(line)], debian.error_log()


def test_apache2ctl_t_refuses_cgid_enabled_next_to_cppcgi(debian):
    debian.ensure_enabled()
    code, out = debian.run("/usr/sbin/a2enmod", "cgid")
    assert code == 0, out
    try:
        code, out = debian.run("/usr/sbin/apache2ctl", "-t")
        assert code != 0 and "CPPCGI0200" in out and "a2dismod cgi cgid" in out, out
    finally:
        code, out = debian.run("/usr/sbin/a2dismod", "cgid")
        assert code == 0, out
    code, out = debian.run("/usr/sbin/apache2ctl", "-t")
    assert code == 0, out
