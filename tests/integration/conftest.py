"""Fixtures: a real Apache with mod_cppcgi per test session (MPM from
CPPCGI_MPM), and a guard that fails any test whose error-log lines at warn
level or above are not ones it declared with @pytest.mark.expect_log."""

import os
import shutil

import pytest

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


@pytest.fixture(autouse=True)
def invariants(request):
    """After every test, on every running server it used (adversarial.md
    §3 H): no zombie and no survivor below the helpers, no fd growth in
    httpd's workers. Servers a test starts itself are checked when stopped."""
    if EXTERNAL_URL:
        yield
        return
    servers = []
    for name in request.fixturenames:
        if name == "server" or (name.endswith("_server") and name != "fresh_server"):
            value = request.getfixturevalue(name)
            if isinstance(value, HttpdServer) and value.parent_pid is not None:
                servers.append(value)
    before = [(srv, srv.invariant_snapshot()) for srv in servers]
    yield
    problems = []
    for srv, snap in before:
        if srv.parent_pid is not None:
            problems += srv.invariant_problems(snap)
    assert not problems, "invariants broken after the test:\n" + "\n".join(problems)


@pytest.fixture(autouse=True)
def error_log_guard(request):
    """Fails the test on unexpected warn/error/crit lines in the session server's log."""
    if "server" not in request.fixturenames or EXTERNAL_URL:
        yield
        return
    srv = request.getfixturevalue("server")
    marker = request.node.get_closest_marker("expect_log")
    allowed = set(marker.args) if marker else set()
    mark = srv.log_mark()
    yield
    unexpected = []
    for line in srv.log_since(mark).splitlines():
        if SANITIZER.search(line):
            unexpected.append(line)
            continue
        if not ALARMING.search(line):
            continue
        ids = set(LOG_ID.findall(line))
        if not ids & allowed:
            unexpected.append(line)
    assert not unexpected, "unexpected error-log lines:\n" + "\n".join(unexpected)
