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
    user = [] if IS_ROOT else ["--user", os.environ.get("USER", "root")]
    p = subprocess.run([DOCTOR, *user, *args], capture_output=True, text=True, timeout=30)
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


def test_usage_errors():
    assert doctor()[0] == 2
    assert doctor("--bogus", "/x")[0] == 2
