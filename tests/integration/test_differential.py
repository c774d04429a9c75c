# SPDX-License-Identifier: Apache-2.0
"""The same requests against Apache with mod_cgid and with mod_cppcgi, in the
same run: the scripts must see the same CGI variables, except for what the
README documents as deliberate differences."""

import gzip
import http.client
import os
import re
import subprocess

import pytest

from conftest import HERE, MPM
from httpd_server import MODULES_DIR, HttpdServer

AUTH_MODULES = ["auth_basic", "authn_core", "authn_file", "authz_user"]
# Modules a site commonly runs around its CGI output.
FILTER_MODULES = ["deflate", "filter", "headers", "rewrite", "include", "negotiation"]
# A shared-hosting style directory: CGI switched on by .htaccess, not by the server config.
HTACCESS = "Options +ExecCGI +MultiViews\nAddHandler cgi-script .cgi\nMultiviewsMatch Handlers\nDirectoryIndex index.cgi\n"
SSI_SH = "#!/bin/sh\nprintf 'Content-Type: text/html\\n\\nq=<!--#echo var=\"QUERY_STRING\" -->.\\n'\n"


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
<Location /cgi-bin/bigout.py>
  SetOutputFilter DEFLATE
</Location>
<Location /cgi-bin/status.sh>
  Header set X-Added yes
  Header always unset X-Script
</Location>
<Location /cgi-bin/ssi.sh>
  Options +Includes
  SetOutputFilter INCLUDES
</Location>
RewriteEngine On
RewriteRule ^/pretty/(.*)$ /cgi-bin/env.py/$1 [PT,E=FROM_REWRITE:yes]
ErrorDocument 404 /cgi-bin/env.py
ScriptAliasMatch "^/sam/([a-z]+)/(.*)$" "{srv.root}/cgi-bin/$1.py/$2"
<Directory "{srv.root}/htdocs/app">
  AllowOverride Options=ExecCGI,MultiViews FileInfo Indexes
</Directory>
"""


def _server(cgid):
    srv = HttpdServer(mpm=MPM, log_level="warn" if cgid else "warn cppcgi:info")
    srv.add_dir("cgi-bin", os.path.join(HERE, "scripts"))
    subprocess.run(["htpasswd", "-cbB", srv.path("htpasswd"), "ada", "secret"], check=True, capture_output=True)
    os.chmod(srv.path("htpasswd"), 0o644)
    srv.write_script("cgi-bin/ssi.sh", SSI_SH)
    with open(os.path.join(HERE, "scripts", "env.py")) as f:
        env_py = f.read()
    srv.write_script("htdocs/app/index.cgi", env_py)
    srv.write_script("htdocs/app/env.cgi", env_py)
    srv.write_script("htdocs/app/.htaccess", HTACCESS, mode=0o644)
    extra = [f'LoadModule {m}_module "{MODULES_DIR}/mod_{m}.so"' for m in AUTH_MODULES + FILTER_MODULES]
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


def _env(srv, method, path, body=None, headers=None, chunked=False, status=200):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    if chunked:
        c.request(method, path, body=iter([body]), encode_chunked=True, headers=headers or {})
    else:
        c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    assert r.status == status, text
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
    ("mod_rewrite PT with E=", "GET", "/pretty/a/b?q=1", None, {}),
    ("ScriptAliasMatch", "GET", "/sam/env/x/y?q=2", None, {}),
    (".htaccess AddHandler", "GET", "/app/env.cgi/p?q=3", None, {}),
    (".htaccess DirectoryIndex", "GET", "/app/?q=4", None, {}),
    (".htaccess MultiViews", "GET", "/app/env?q=5", None, {}),
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


def test_error_document_script_sees_the_same_redirect_variables(pair):
    cgid, ours = pair
    a = _env(cgid, "GET", "/nothere?z=2", status=404)
    b = _env(ours, "GET", "/nothere?z=2", status=404)
    assert a == b, {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
    assert a["REDIRECT_STATUS"] == "404" and a["REDIRECT_URL"] == "/nothere"


PATTERN = (bytes(range(256)) * 400)[:100000]
RESPONSE_CASES = [
    # name, method, path, request headers, then what both must answer: status, headers, body
    ("mod_deflate", "GET", "/cgi-bin/bigout.py?100000", {"Accept-Encoding": "gzip"},
     200, {"content-encoding": "gzip", "vary": "Accept-Encoding"}, PATTERN),
    ("mod_deflate HEAD", "HEAD", "/cgi-bin/bigout.py?100000", {"Accept-Encoding": "gzip"},
     200, {"content-encoding": "gzip", "vary": "Accept-Encoding"}, b""),
    ("mod_deflate not asked", "GET", "/cgi-bin/bigout.py?100000", {},
     200, {"content-encoding": None, "vary": "Accept-Encoding"}, PATTERN),
    ("mod_headers", "GET", "/cgi-bin/status.sh", {}, 418, {"x-added": "yes", "x-script": None}, b"teapot\n"),
    ("mod_include on the output", "GET", "/cgi-bin/ssi.sh?abc", {}, 200, {"content-type": "text/html"}, b"q=abc.\n"),
]
COMPARED_HEADERS = ("content-type", "content-encoding", "vary", "x-added", "x-script")


@pytest.mark.parametrize("name,method,path,headers,status,want_headers,want_body", RESPONSE_CASES,
                         ids=[c[0] for c in RESPONSE_CASES])
def test_output_filters_give_the_same_response_as_mod_cgid(pair, name, method, path, headers, status,
                                                           want_headers, want_body):
    """The script's output runs through the same filters (compression, header
    edits, SSI) with the same result. Framing (a length or chunks) may differ:
    see test_response.py."""
    got = []
    for srv in pair:
        code, hdrs, body = srv.request(method, path, headers=headers)
        if hdrs.get("content-encoding") == "gzip" and body:
            body = gzip.decompress(body)
        got.append((code, {k: hdrs.get(k) for k in COMPARED_HEADERS}, body))
    assert got[0] == got[1]
    code, hdrs, body = got[1]
    assert code == status and body == want_body
    assert {k: hdrs[k] for k in want_headers} == want_headers
