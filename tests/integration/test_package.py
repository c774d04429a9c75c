# SPDX-License-Identifier: Apache-2.0
"""The Debian package (libapache2-mod-cppcgi_<version>_<arch>.deb, made by
`cpack -G DEB` from a build without tests): lintian finds no error, it holds
what it should, and in a throwaway Debian 12 root made by debootstrap it
installs next to Debian's apache2, leaves the module disabled (with a note)
while mod_cgid is enabled, is enabled by a2enmod, serves a script, keeps an
edited conffile on reinstall, and `apt-get purge` leaves nothing behind.

tests/run-all.sh builds the package and runs this file with CPPCGI_DEB set
to it; without CPPCGI_DEB the tests skip (they need root, network access to
the Debian mirror, debootstrap and lintian)."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import missing_program
from httpd_server import SOURCE_DIR, free_port
from waits import wait_until

DEB = os.environ.get("CPPCGI_DEB")
pytestmark = pytest.mark.skipif(not DEB, reason="CPPCGI_DEB names no package (tests/run-all.sh builds one)")
MIRROR = "http://deb.debian.org/debian"
ENV = ["/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive", "LANG=C"]
FILES = {
    "etc/apache2/mods-available/cppcgi.conf", "etc/apache2/mods-available/cppcgi.load",
    "usr/lib/apache2/modules/mod_cppcgi.so", "usr/sbin/cppcgi-doctor", "usr/share/man/man8/cppcgi-doctor.8.gz",
    "usr/share/doc/libapache2-mod-cppcgi/copyright", "usr/share/doc/libapache2-mod-cppcgi/changelog.gz",
}


def project_version():
    text = open(os.path.join(SOURCE_DIR, "CMakeLists.txt")).read()
    return re.search(r"project\(mod_cppcgi VERSION (\d+\.\d+\.\d+)", text).group(1)


def run(*args, check=True, timeout=600):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check:
        assert p.returncode == 0, f"{args}: {p.returncode}\n{p.stdout}{p.stderr}"
    return p


def test_package_name_and_control_fields():
    arch = run("dpkg", "--print-architecture").stdout.strip()
    assert os.path.basename(DEB) == f"libapache2-mod-cppcgi_{project_version()}_{arch}.deb"
    fields = run("dpkg-deb", "-f", DEB, "Package", "Version", "Depends", "Section").stdout
    assert "Package: libapache2-mod-cppcgi" in fields and f"Version: {project_version()}" in fields
    depends = re.search(r"Depends: (.*)", fields).group(1)
    assert "apache2-api-20120211" in depends and "libstdc++6" in depends and "libc6" in depends
    assert "Section: httpd" in fields
    control = tempfile.mkdtemp(prefix="cppcgi-control-")
    try:
        run("dpkg-deb", "-e", DEB, control)
        assert open(os.path.join(control, "conffiles")).read().split() == [
            "/etc/apache2/mods-available/cppcgi.conf", "/etc/apache2/mods-available/cppcgi.load"]
        for script in ("postinst", "prerm", "postrm"):
            text = open(os.path.join(control, script)).read()
            assert "apache2-maintscript-helper" in text and os.stat(os.path.join(control, script)).st_mode & 0o111
    finally:
        shutil.rmtree(control)


def test_package_holds_the_module_its_configuration_and_the_doctor_only():
    listing = run("dpkg-deb", "-c", DEB).stdout.splitlines()
    files = {line.split()[-1].lstrip("./") for line in listing if not line.startswith("d")}
    assert files == FILES
    load = run("sh", "-c", f"dpkg-deb --fsys-tarfile {DEB} | tar -xOf - ./etc/apache2/mods-available/cppcgi.load").stdout
    assert "# Conflicts: cgi cgid" in load
    assert "LoadModule cppcgi_module /usr/lib/apache2/modules/mod_cppcgi.so" in load


def test_lintian_reports_no_error():
    if not shutil.which("lintian"):
        missing_program("lintian (tests/install-deps.sh installs it)")
    p = run("lintian", "--fail-on", "error", DEB, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert not re.search(r"^E: ", p.stdout, re.M), p.stdout


class Chroot:
    """A throwaway Debian 12 root (debootstrap --variant=minbase) where no
    service starts on its own (policy-rc.d), with /proc mounted while Apache runs."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="cppcgi-chroot-", dir="/var/tmp")
        os.chmod(self.root, 0o755)  # its "/": the server's user must search it
        self.proc = False

    def __call__(self, command, check=True, timeout=600):
        return run("chroot", self.root, *ENV, "sh", "-c", command, check=check, timeout=timeout)

    def make(self):
        run("debootstrap", "--variant=minbase", "bookworm", self.root, MIRROR, timeout=900)
        policy = os.path.join(self.root, "usr/sbin/policy-rc.d")
        with open(policy, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(policy, 0o755)
        shutil.copy(DEB, os.path.join(self.root, "tmp"))
        self("apt-get update -qq && apt-get install -y -qq --no-install-recommends apache2 curl")

    def mount_proc(self):
        run("mount", "-t", "proc", "proc", os.path.join(self.root, "proc"))
        self.proc = True

    def close(self):
        if self.proc:
            run("umount", "-l", os.path.join(self.root, "proc"), check=False)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def chroot():
    if os.geteuid() != 0:
        pytest.skip("needs root (debootstrap, chroot)")
    if not shutil.which("debootstrap"):
        missing_program("debootstrap (tests/install-deps.sh installs it)")
    box = Chroot()
    try:
        box.make()
        yield box
    finally:
        box.close()


def test_installs_serves_keeps_edits_and_purges_clean(chroot):
    deb = "/tmp/" + os.path.basename(DEB)
    # With mod_cgid enabled, the package installs and leaves mod_cppcgi disabled, saying how to swap.
    chroot("a2enmod -q cgid")
    out = chroot(f"apt-get install -y -qq {deb} 2>&1").stdout
    assert "a2dismod cgi cgid && a2enmod cppcgi" in out, out
    assert not os.path.exists(os.path.join(chroot.root, "etc/apache2/mods-enabled/cppcgi.load"))
    # The README's swap; then Apache serves a script through Debian's serve-cgi-bin.conf.
    chroot("a2dismod -q cgid && a2enmod -q cppcgi")
    port = free_port()
    with open(os.path.join(chroot.root, "etc/apache2/ports.conf"), "w") as f:
        f.write(f"Listen 127.0.0.1:{port}\n")
    site = os.path.join(chroot.root, "etc/apache2/sites-available/000-default.conf")
    with open(site) as f:
        text = f.read().replace("*:80>", f"*:{port}>")
    with open(site, "w") as f:
        f.write(text)
    script = os.path.join(chroot.root, "usr/lib/cgi-bin/hello.sh")
    shutil.copy(os.path.join(SOURCE_DIR, "conf", "site", "cgi-bin", "hello.sh"), script)
    os.chmod(script, 0o755)
    chroot.mount_proc()
    assert chroot("apache2ctl -t 2>&1").returncode == 0
    chroot("apache2ctl start")
    try:
        body = wait_until(lambda: chroot(f"curl -fsS http://127.0.0.1:{port}/cgi-bin/hello.sh", check=False).stdout,
                          15, what="the packaged module serving hello.sh")
        assert "Hello from a shell script." in body, body
        assert chroot("cppcgi-doctor --version").stdout == f"cppcgi-doctor (mod_cppcgi) {project_version()}\n"
        assert chroot("man -w cppcgi-doctor 2>/dev/null || ls /usr/share/man/man8/cppcgi-doctor.8.gz").returncode == 0
    finally:
        chroot("apache2ctl stop", check=False)
    pid_file = os.path.join(chroot.root, "run/apache2/apache2.pid")
    wait_until(lambda: not os.path.exists(pid_file), 15, what="Apache in the chroot stopped")
    # An edited conffile survives a reinstall (as an upgrade would keep it).
    conf = os.path.join(chroot.root, "etc/apache2/mods-available/cppcgi.conf")
    with open(conf, "a") as f:
        f.write("# edited by the administrator\n")
    chroot(f"apt-get install -y -qq --reinstall -o Dpkg::Options::=--force-confold {deb}")
    assert open(conf).read().endswith("# edited by the administrator\n")
    # Purge: nothing of the package is left, and its enabled state is forgotten.
    chroot("apt-get purge -y -qq libapache2-mod-cppcgi")
    left = [path for path in FILES | {"etc/apache2/mods-enabled/cppcgi.load", "etc/apache2/mods-enabled/cppcgi.conf"}
            if os.path.lexists(os.path.join(chroot.root, path))]
    assert left == []
    state = chroot("find /var/lib/apache2 -name '*cppcgi*'").stdout
    assert state == "", state
