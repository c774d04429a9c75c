# SPDX-License-Identifier: Apache-2.0
"""Fixtures: a real Apache with mod_cppcgi per test session (MPM from
CPPCGI_MPM), and a guard around every test that checks every server started
(the invariants, and that error-log lines at warn level or above are ones the
test declared with @pytest.mark.expect_log)."""

import os
import re
import shutil

import pytest

import httpd_server
from httpd_server import ALARMING, LOG_ID, SANITIZER, SOURCE_DIR, ExternalServer, HttpdServer

HERE = os.path.dirname(os.path.abspath(__file__))
MPM = os.environ.get("CPPCGI_MPM", "event")
# External-server mode: run the tests marked `external` against an Apache that
# is already running (the Docker image in docker/compose.yaml, or the demo).
EXTERNAL_URL = os.environ.get("CPPCGI_EXTERNAL_URL")


def pytest_configure(config):
    config.addinivalue_line("markers", "expect_log(*ids): error-log ids this test is expected to produce")
    config.addinivalue_line("markers", "external: also runs against an external server (CPPCGI_EXTERNAL_URL)")


def pytest_collection_modifyitems(config, items):
    if not EXTERNAL_URL:
        return
    skip = pytest.mark.skip(reason="needs a local server (external-server mode)")
    for item in items:
        if "external" not in item.keywords:
            item.add_marker(skip)


def site_conf(root):
    """The per-directory setup every session server has."""
    return f"""
CppCgiHelpers 2
AddHandler cgi-script .cgi
ScriptAlias /cgi-bin/ "{root}/cgi-bin/"
ScriptAlias /example/ "{root}/example/"
Alias /exec/ "{root}/exec/"
Alias /noexec/ "{root}/noexec/"
Alias /nopathinfo/ "{root}/nopathinfo/"
ScriptAlias /slow/ "{root}/slow/"
<Directory "{root}/exec">
  Options +ExecCGI
</Directory>
<Directory "{root}/nopathinfo">
  Options +ExecCGI
  AcceptPathInfo Off
</Directory>
<Directory "{root}/slow">
  CppCgiIdleTimeout 1
</Directory>
# Existing configs guard CGI settings like this (Debian's serve-cgi-bin.conf does):
<IfModule mod_cgi.c>
  ScriptAlias /guarded-cgi/ "{root}/cgi-bin/"
</IfModule>
<IfModule mod_cgid.c>
  ScriptAlias /guarded-cgid/ "{root}/cgi-bin/"
</IfModule>
<IfModule cgi_module>
  ScriptAlias /guarded-cgi-id/ "{root}/cgi-bin/"
</IfModule>
<IfModule cgid_module>
  ScriptAlias /guarded-cgid-id/ "{root}/cgi-bin/"
</IfModule>
<IfModule !cgid_module>
  ScriptAlias /unguarded-cgid-id/ "{root}/cgi-bin/"
</IfModule>
"""


def missing_program(reason):
    """Skips a test that cannot run here; with CPPCGI_REQUIRE_PROGRAMS=1
    (tests/run-all.sh, which installs everything) fails it instead, so that a
    missing install step cannot pass as a skip."""
    if os.environ.get("CPPCGI_REQUIRE_PROGRAMS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def make_server(**kw):
    srv = HttpdServer(mpm=MPM, **kw)
    scripts = os.path.join(HERE, "scripts")
    srv.add_dir("cgi-bin", scripts)
    srv.add_dir("example", os.path.join(SOURCE_DIR, "conf", "site", "cgi-bin"))
    for d in ("exec", "noexec", "nopathinfo", "slow"):
        srv.add_dir(d, scripts)
        # AddHandler cgi-script .cgi: the same script under a .cgi name.
        shutil.copy2(srv.path(d, "env.py"), srv.path(d, "env.cgi"))  # add_dir has fixed its mode
    os.makedirs(srv.path("cgi-bin", "a-directory"), mode=0o755)
    srv.extra_conf = site_conf(srv.root) + kw.get("extra_conf", "")
    return srv


def serve(conf="", script_dirs=(), empty_dirs=(), setup=None):
    """A generator for module-scoped fixtures: a started server with extra
    directories (script_dirs get a copy of the test scripts), `conf` appended
    after formatting with {root} and {modules}; always stopped, and nothing
    may be left running. `setup(srv)` runs before the start."""
    from httpd_server import MODULES_DIR
    srv = make_server()
    for d in script_dirs:
        srv.add_dir(d, os.path.join(HERE, "scripts"))
    for d in empty_dirs:
        srv.add_dir(d)
    srv.extra_conf += conf.format(root=srv.root, modules=MODULES_DIR)
    if setup:
        setup(srv)
    srv.start()
    try:
        yield srv
    finally:
        left = srv.stop()
        reports = [line for line in srv.read_log().splitlines() if SANITIZER.search(line)]
        srv.cleanup()
    assert not left, f"processes left running after stop: {left}"
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)


@pytest.fixture(scope="module")
def adv():
    """The hostile-scenario tests' server (adversarial.py's ADV_CONF), one per test module."""
    from adversarial import ADV_CONF, ADV_DIRS
    yield from serve(ADV_CONF, empty_dirs=ADV_DIRS)


@pytest.fixture(scope="session")
def server():
    if EXTERNAL_URL:
        yield ExternalServer(EXTERNAL_URL)
        return
    srv = make_server()
    srv.start()
    yield srv
    left = srv.stop()
    reports = [line for line in srv.read_log().splitlines() if SANITIZER.search(line)]
    srv.cleanup()
    assert not left, f"processes left running after stop: {left}"
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)


@pytest.fixture
def fresh_server(request):
    """A private server for tests that restart or reconfigure it."""
    servers = []

    def factory(extra_conf=""):
        srv = make_server(extra_conf=extra_conf)
        servers.append(srv)
        return srv

    yield factory
    for srv in servers:
        left = srv.stop()
        srv.cleanup()
        assert not left, f"processes left running after stop: {left}"


def unexpected_lines(text, allowed):
    """Sanitizer reports, and warn/error/crit lines that carry none of the ids
    in `allowed` (an entry that is not an id, such as httpd's words for a
    line without one, is looked for as text)."""
    found = []
    for line in text.splitlines():
        if SANITIZER.search(line):
            found.append(line)
        elif ALARMING.search(line) and not (set(LOG_ID.findall(line)) & allowed
                                            or any(a in line for a in allowed if not LOG_ID.fullmatch(a))):
            found.append(line)
    return found


def lines_without_fix(text):
    """mod_cppcgi's lines at warning level or above that do not end with what
    to do about it ("; fix: ..."), expected or not; the script's own stderr
    (CPPCGI0001) is its words, not ours."""
    return [line for line in text.splitlines()
            if ALARMING.search(line) and re.search(r"\bCPPCGI(?!0001)\d{4}\b", line) and "; fix: " not in line]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    httpd_server.TEST_PHASE = "call"
    yield
    httpd_server.TEST_PHASE = "teardown"


@pytest.fixture(autouse=True)
def server_guard(request):
    """Around every test, for every server it could touch: whichever fixture
    or test started it, it is checked after the test, or just before it
    stops if that is sooner (scenario H): no zombie and no survivor
    below the helpers, no fd growth in httpd's workers, and no error-log line
    at warn level or above, nor a sanitizer report, that the test did not
    declare with @pytest.mark.expect_log(ids) or wait for (wait_for_log)."""
    httpd_server.TEST_PHASE = "setup"
    if EXTERNAL_URL:
        yield
        return
    allowed = {i for marker in request.node.iter_markers("expect_log") for i in marker.args}
    httpd_server.EXPECTED_IDS.clear()
    allowed_now = lambda: allowed | httpd_server.EXPECTED_IDS  # noqa: E731
    # Servers already running: from here; servers started later: from their start.
    seen = {id(srv): (srv.invariant_snapshot(), srv.log_mark()) for srv in httpd_server.RUNNING}
    problems = []

    def check(srv):
        snapshot, mark = seen.pop(id(srv), (srv.start_snapshot, 0))
        # A server the test's body stops may be busy on purpose (the test
        # checks what its stop leaves); after the body, it must be at rest.
        if httpd_server.TEST_PHASE != "call":
            found = srv.invariant_problems(snapshot)
            problems.extend(f"{srv.root}: {p}" for p in found)
            if found:
                srv.end_survivors()  # reported here; the next test starts clean
        log = srv.log_since(mark)
        problems.extend(f"{srv.root}: unexpected error-log line: {line}"
                        for line in unexpected_lines(log, allowed_now()))
        problems.extend(f"{srv.root}: a warning or error that names no fix: {line}" for line in lines_without_fix(log))

    httpd_server.on_stop = check
    try:
        yield
    finally:
        httpd_server.on_stop = None
    for srv in list(httpd_server.RUNNING):
        check(srv)
    assert not problems, "after the test:\n" + "\n".join(problems)
