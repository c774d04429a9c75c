# SPDX-License-Identifier: Apache-2.0
"""One version, defined once (CMake's project(VERSION)), shown in all five
places: the startup line, cppcgi-doctor --version, the status page, its JSON
(with the JSON's format version) and the Prometheus cppcgi_build_info."""

import json
import os
import re
import subprocess

import pytest

from httpd_server import SOURCE_DIR
from test_doctor import DOCTOR

STATUS_CONF = """
<Location /cppcgi-status>
  SetHandler cppcgi-status
  Require local
</Location>
"""


def project_version():
    text = open(os.path.join(SOURCE_DIR, "CMakeLists.txt")).read()
    return re.search(r"project\(mod_cppcgi VERSION (\d+\.\d+\.\d+)", text).group(1)


@pytest.fixture(scope="module")
def version_server():
    from conftest import serve
    yield from serve(STATUS_CONF)


def test_doctor_says_its_version_and_helps():
    p = subprocess.run([DOCTOR, "--version"], capture_output=True, text=True, timeout=30)
    assert (p.returncode, p.stdout) == (0, f"cppcgi-doctor (mod_cppcgi) {project_version()}\n")
    p = subprocess.run([DOCTOR, "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout.startswith("cppcgi-doctor says") and "usage: cppcgi-doctor" in p.stdout
    p = subprocess.run([DOCTOR, "--no-such-option"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "usage: cppcgi-doctor" in p.stderr


def test_server_shows_the_version_everywhere(version_server):
    srv, version = version_server, project_version()
    assert re.search(rf"CPPCGI0100: mod_cppcgi {re.escape(version)}, generation \d+: started", srv.read_log())
    status, _, body = srv.get("/cppcgi-status?json")
    doc = json.loads(body)
    assert status == 200 and doc["version"] == version and doc["format"] == 1
    status, _, body = srv.get("/cppcgi-status?metrics")
    assert f'cppcgi_build_info{{version="{version}"}} 1\n' in body.decode()
    status, _, body = srv.get("/cppcgi-status")
    assert f"mod_cppcgi {version}" in body.decode()
