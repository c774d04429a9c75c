"""The same requests against Apache with mod_cgid and with mod_cppcgi, in the
same run: the scripts must see the same CGI variables, except for what the
README documents as deliberate differences."""

import http.client
import os
import re
import subprocess

import pytest

from conftest import HERE, MPM
from httpd_server import MODULES_DIR, HttpdServer

AUTH_MODULES = ["auth_basic", "authn_core", "authn_file", "authz_user"]


def _conf(srv):
    return f"""
ScriptAlias /cgi-bin/ "{srv.root}/cgi-bin/"
ScriptAlias /auth/ "{srv.root}/cgi-bin/"
<Location /auth/>
  AuthType Basic
  AuthName "diff"
  AuthUserFile "{srv.root}/htpasswd"
  Require valid-user
</Location>
SetEnv FROM_CONFIG set-by-config
"""


def _server(cgid):
    srv = HttpdServer(mpm=MPM, log_level="warn" if cgid else "warn cppcgi:info")
    srv.add_dir("cgi-bin", os.path.join(HERE, "scripts"))
    subprocess.run(["htpasswd", "-cbB", srv.path("htpasswd"), "ada", "secret"], check=True, capture_output=True)
    os.chmod(srv.path("htpasswd"), 0o644)
    extra = [f'LoadModule {m}_module "{MODULES_DIR}/mod_{m}.so"' for m in AUTH_MODULES]
    if cgid:
        srv.module_lines = [f'LoadModule cgid_module "{MODULES_DIR}/mod_cgid.so"'] + extra
        srv.extra_conf = _conf(srv) + f'ScriptSock "{srv.root}/run/cgid.sock"\n'
    else:
        srv.module_lines = [f'LoadModule cppcgi_module "{srv.module}"'] + extra
        srv.extra_conf = _conf(srv)
    return srv.start()


@pytest.fixture(scope="module")
def pair():
    a = _server(cgid=True)
    try:
        b = _server(cgid=False)
    except Exception:
        a.stop()
        a.cleanup()
        raise
    yield a, b
    for srv in (a, b):
        left = srv.stop()
        srv.cleanup()
        assert not left


# Variables that differ by nature between two servers or two processes.
VOLATILE = {"PPID", "PID", "PGID", "SID", "REMOTE_PORT", "UNIQUE_ID"}


def _env(srv, method, path, body=None, headers=None, chunked=False):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    if chunked:
        c.request(method, path, body=iter([body]), encode_chunked=True, headers=headers or {})
    else:
        c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    assert r.status == 200, text
    env = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            if k not in VOLATILE:
                env[k] = re.sub(re.escape(srv.root), "ROOT", v).replace(str(srv.port), "PORT")
    return env


CASES = [
    ("plain GET", "GET", "/cgi-bin/env.py", None, {}),
    ("path info and query", "GET", "/cgi-bin/env.py/a/b%20c?x=1&y=%2F", None, {}),
    ("indexed query", "GET", "/cgi-bin/env.py?one+two%21+three", None, {}),
    ("custom headers", "GET", "/cgi-bin/env.py", None,
     {"X-Dash": "1", "X_Under": "2", "Proxy": "evil", "Accept-Language": "fr", "Cookie": "a=b"}),
    ("authorization hidden", "GET", "/cgi-bin/env.py", None, {"Authorization": "Bearer abc"}),
    ("basic auth", "GET", "/auth/env.py", None, {"Authorization": "Basic YWRhOnNlY3JldA=="}),
    ("POST form", "POST", "/cgi-bin/env.py", b"a=1&b=2", {"Content-Type": "application/x-www-form-urlencoded"}),
    ("HEAD", "GET", "/cgi-bin/env.py?head", None, {"X-Method": "head"}),
]


@pytest.mark.smoke
@pytest.mark.parametrize("name,method,path,body,headers", CASES, ids=[c[0] for c in CASES])
def test_same_cgi_variables_as_mod_cgid(pair, name, method, path, body, headers):
    cgid, ours = pair
    a = _env(cgid, method, path, body, headers)
    b = _env(ours, method, path, body, headers)
    assert a == b, {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
    assert a["GATEWAY_INTERFACE"] == "CGI/1.1"


def test_chunked_upload_differs_only_by_content_length(pair):
    """Deliberate difference (README): mod_cppcgi de-chunks and sets CONTENT_LENGTH."""
    cgid, ours = pair
    hdrs = {"Content-Type": "text/plain", "Transfer-Encoding": "chunked"}
    a = _env(cgid, "POST", "/cgi-bin/env.py", b"x" * 5000, hdrs, chunked=True)
    b = _env(ours, "POST", "/cgi-bin/env.py", b"x" * 5000, hdrs, chunked=True)
    assert "CONTENT_LENGTH" not in a and b["CONTENT_LENGTH"] == "5000"
    assert a.get("HTTP_TRANSFER_ENCODING") == "chunked" and "HTTP_TRANSFER_ENCODING" not in b
    for k in ("CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING"):
        a.pop(k, None)
        b.pop(k, None)
    assert a == b


def test_response_delivered_when_script_ignores_its_body(pair):
    """mod_cgid loses the response of a script that exits without reading its
    request body (the client sees a truncated or empty reply); mod_cppcgi
    delivers it whole."""
    _, ours = pair
    for size in (10, 100000, 2000000):
        status, _, body = ours.request("POST", "/cgi-bin/status.sh", body=b"z" * size,
                                       headers={"Content-Type": "application/octet-stream"})
        assert status == 418 and body == b"teapot\n", size
