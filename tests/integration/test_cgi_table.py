# SPDX-License-Identifier: Apache-2.0
"""CGI/1.1 (RFC 3875) and mod_cgi parity as one table: each row is a request
and what the script must see (its environment, argv, working directory) or
what the client must get. Runs under every MPM of the test run. Together
with the malformed-output table in test_adversarial.py this is the
table-driven suite of the parity issue."""

import base64
import hashlib
import os

import pytest

from httpd_server import MODULES_DIR

TABLE_CONF = """
LoadModule auth_basic_module {modules}/mod_auth_basic.so
LoadModule authn_core_module {modules}/mod_authn_core.so
LoadModule authn_file_module {modules}/mod_authn_file.so
LoadModule authz_user_module {modules}/mod_authz_user.so
LoadModule unique_id_module {modules}/mod_unique_id.so
ServerAdmin webmaster@example.test
ServerSignature On
ScriptAlias /t/ "{root}/t/"
ScriptAlias /t-auth/ "{root}/t/"
ScriptAlias /t-pass/ "{root}/t/"
ScriptAlias /t-var/ "{root}/t/"
Alias /t-doc/ "{root}/t/"
<Location /t-auth/>
  AuthType Basic
  AuthName "table"
  AuthUserFile "{root}/htpasswd"
  Require valid-user
</Location>
<Location /t-pass/>
  CGIPassAuth On
</Location>
<Location /t-var/>
  CGIVar REQUEST_URI current-uri
</Location>
SetEnv TABLE_SETENV from-setenv
SetEnvIf User-Agent "^table-agent$" TABLE_SETENVIF=matched
SetEnv REMOTE_ADDR 6.6.6.6
SetEnv SCRIPT_FILENAME /etc/passwd
ErrorDocument 404 /t/env.py
"""

ENV_PY = """#!/usr/bin/python3
import os, sys
if os.environ.get("REQUEST_METHOD") in ("POST", "PUT"):
    body = sys.stdin.buffer.read()
    os.environ["BODY_READ"] = str(len(body))
print("Content-Type: text/plain")
print()
for k in sorted(os.environ):
    print(k + "=" + os.environ[k])
print("ARGV=" + " ".join(sys.argv[1:]))
print("CWD=" + os.getcwd())
"""


def _setup(srv):
    srv.write_script("t/env.py", ENV_PY)
    srv.write_script("t/sub/inner.py", ENV_PY)
    digest = base64.b64encode(hashlib.sha1(b"secret").digest()).decode()
    with open(srv.path("htpasswd"), "w") as f:
        f.write(f"ada:{{SHA}}{digest}\n")
    os.chmod(srv.path("htpasswd"), 0o644)


@pytest.fixture(scope="module")
def table():
    from conftest import serve
    yield from serve(TABLE_CONF.replace("{modules}", MODULES_DIR), empty_dirs=("t",), setup=_setup)


BASIC = "Basic " + base64.b64encode(b"ada:secret").decode()


def env_of(body):
    return dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line)


# id, method, path, headers, body, expected {VAR: value | None (absent) | callable}
ENV_CASES = [
    ("gateway-interface", "GET", "/t/env.py", {}, None, {"GATEWAY_INTERFACE": "CGI/1.1"}),
    ("request-method-get", "GET", "/t/env.py", {}, None, {"REQUEST_METHOD": "GET"}),
    ("request-method-post", "POST", "/t/env.py", {"Content-Type": "text/plain"}, b"abc",
     {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "3", "CONTENT_TYPE": "text/plain", "BODY_READ": "3"}),
    ("no-body-no-length", "GET", "/t/env.py", {}, None, {"CONTENT_LENGTH": None, "CONTENT_TYPE": None}),
    ("query-string", "GET", "/t/env.py?a=1&b=%20", {}, None, {"QUERY_STRING": "a=1&b=%20", "ARGV": ""}),
    ("empty-query", "GET", "/t/env.py", {}, None, {"QUERY_STRING": ""}),
    ("indexed-query-argv", "GET", "/t/env.py?x+y%21", {}, None, {"ARGV": "x y!"}),
    ("path-info", "GET", "/t/env.py/extra/path", {}, None,
     {"PATH_INFO": "/extra/path", "SCRIPT_NAME": "/t/env.py"}),
    ("path-translated", "GET", "/t/env.py/extra", {}, None, {"PATH_TRANSLATED": lambda v: v.endswith("/extra")}),
    ("no-path-info", "GET", "/t/env.py", {}, None, {"PATH_INFO": None, "PATH_TRANSLATED": None}),
    ("script-name", "GET", "/t/sub/inner.py", {}, None, {"SCRIPT_NAME": "/t/sub/inner.py"}),
    ("script-filename", "GET", "/t/env.py", {}, None, {"SCRIPT_FILENAME": lambda v: v.endswith("/t/env.py")}),
    ("cwd-is-script-dir", "GET", "/t/sub/inner.py", {}, None, {"CWD": lambda v: v.endswith("/t/sub")}),
    ("server-protocol", "GET", "/t/env.py", {}, None, {"SERVER_PROTOCOL": "HTTP/1.1"}),
    ("server-software", "GET", "/t/env.py", {}, None, {"SERVER_SOFTWARE": lambda v: v.startswith("Apache/2.4")}),
    ("server-name-port", "GET", "/t/env.py", {"Host": "table.test"}, None,
     {"SERVER_NAME": "table.test", "SERVER_PORT": lambda v: v.isdigit()}),
    ("server-addr", "GET", "/t/env.py", {}, None, {"SERVER_ADDR": "127.0.0.1"}),
    ("remote-addr-port", "GET", "/t/env.py", {}, None,
     {"REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": lambda v: v.isdigit()}),
    ("remote-host-without-lookups", "GET", "/t/env.py", {}, None, {"REMOTE_HOST": None}),
    ("request-scheme", "GET", "/t/env.py", {}, None, {"REQUEST_SCHEME": "http"}),
    ("request-uri", "GET", "/t/env.py/p?q=1", {}, None, {"REQUEST_URI": "/t/env.py/p?q=1"}),
    ("document-root", "GET", "/t/env.py", {}, None, {"DOCUMENT_ROOT": lambda v: v.endswith("/htdocs")}),
    ("context", "GET", "/t/env.py", {}, None,
     {"CONTEXT_PREFIX": "/t/", "CONTEXT_DOCUMENT_ROOT": lambda v: v.endswith("/t/")}),
    ("server-admin", "GET", "/t/env.py", {}, None, {"SERVER_ADMIN": "webmaster@example.test"}),
    ("server-signature", "GET", "/t/env.py", {}, None, {"SERVER_SIGNATURE": lambda v: "Apache" in v}),
    ("unique-id", "GET", "/t/env.py", {}, None, {"UNIQUE_ID": lambda v: len(v) >= 20}),
    ("http-headers", "GET", "/t/env.py", {"X-Custom-Thing": "v1", "Accept-Language": "fr"}, None,
     {"HTTP_X_CUSTOM_THING": "v1", "HTTP_ACCEPT_LANGUAGE": "fr"}),
    ("underscore-header-dropped", "GET", "/t/env.py", {"X_Under": "u"}, None, {"HTTP_X_UNDER": None}),
    ("httpoxy", "GET", "/t/env.py", {"Proxy": "http://evil:1"}, None, {"HTTP_PROXY": None}),
    ("authorization-hidden", "GET", "/t/env.py", {"Authorization": BASIC}, None, {"HTTP_AUTHORIZATION": None}),
    ("cgipassauth", "GET", "/t-pass/env.py", {"Authorization": BASIC}, None, {"HTTP_AUTHORIZATION": BASIC}),
    ("auth-type-remote-user", "GET", "/t-auth/env.py", {"Authorization": BASIC}, None,
     {"AUTH_TYPE": "Basic", "REMOTE_USER": "ada", "HTTP_AUTHORIZATION": None}),
    ("cgivar-current-uri", "GET", "/t-var/env.py", {}, None, {"REQUEST_URI": "/t-var/env.py"}),
    ("setenv", "GET", "/t/env.py", {}, None, {"TABLE_SETENV": "from-setenv"}),
    ("setenvif", "GET", "/t/env.py", {"User-Agent": "table-agent"}, None, {"TABLE_SETENVIF": "matched"}),
    ("server-computed-win", "GET", "/t/env.py", {}, None,
     {"REMOTE_ADDR": "127.0.0.1", "SCRIPT_FILENAME": lambda v: v.endswith("/t/env.py")}),
    ("path-is-set", "GET", "/t/env.py", {}, None, {"PATH": lambda v: "/usr/bin" in v}),
    ("redirect-vars", "GET", "/t/no-such-page", {}, None,
     {"REDIRECT_STATUS": "404", "REDIRECT_URL": "/t/no-such-page"}),
    ("head-method", "HEAD", "/t/env.py", {}, None, {}),
    ("put-method", "PUT", "/t/env.py", {"Content-Type": "application/octet-stream"}, b"12345",
     {"REQUEST_METHOD": "PUT", "CONTENT_LENGTH": "5", "BODY_READ": "5"}),
]


@pytest.mark.parametrize("name,method,path,headers,body,expected", ENV_CASES, ids=[c[0] for c in ENV_CASES])
@pytest.mark.expect_log("CPPCGI0003")
def test_environment(table, name, method, path, headers, body, expected):
    status, _, out = table.request(method, path, body=body, headers=headers)
    assert status == (404 if name == "redirect-vars" else 200), out[:300]
    if method == "HEAD":
        assert out == b""
        return
    env = env_of(out)
    for var, want in expected.items():
        if want is None:
            assert var not in env, (var, env.get(var))
        elif callable(want):
            assert var in env and want(env[var]), (var, env.get(var))
        else:
            assert env.get(var) == want, (var, env.get(var))


# id, script output (after the shebang line, as printf text), request headers, status, headers, body
RESPONSE_CASES = [
    ("status-with-reason", "Status: 418 I'm a teapot\\nContent-Type: text/plain\\n\\nt", {}, 418, {}, b"t"),
    ("status-without-reason", "Status: 404\\nContent-Type: text/plain\\n\\nnf", {}, 404, {}, b"nf"),
    ("content-type", "Content-Type: application/json\\n\\n{}", {}, 200, {"content-type": "application/json"}, b"{}"),
    ("crlf-headers", "Content-Type: text/plain\\r\\nX-A: 1\\r\\n\\r\\nbody", {}, 200, {"x-a": "1"}, b"body"),
    ("client-redirect", "Location: http://example.test/x\\n\\n", {}, 302, {"location": "http://example.test/x"}, None),
    ("redirect-with-document", "Status: 301 Moved\\nLocation: http://example.test/y\\nContent-Type: text/plain\\n\\ndoc",
     {}, 301, {"location": "http://example.test/y"}, b"doc"),
    ("local-redirect", "Location: /t/env.py?via=local\\n\\n", {}, 200, {}, lambda b: b"QUERY_STRING=via=local" in b),
    ("last-modified-304", "Content-Type: text/plain\\nLast-Modified: Wed, 01 Jan 2020 00:00:00 GMT\\n\\nlm",
     {"If-Modified-Since": "Thu, 02 Jan 2020 00:00:00 GMT"}, 304, {}, b""),
    ("last-modified-412", "Content-Type: text/plain\\nLast-Modified: Wed, 01 Jan 2020 00:00:00 GMT\\n\\nlm",
     {"If-Unmodified-Since": "Tue, 31 Dec 2019 00:00:00 GMT"}, 412, {}, None),
    ("explicit-status-skips-conditionals",
     "Status: 200 OK\\nContent-Type: text/plain\\nLast-Modified: Wed, 01 Jan 2020 00:00:00 GMT\\n\\nlm",
     {"If-Modified-Since": "Thu, 02 Jan 2020 00:00:00 GMT"}, 200, {}, b"lm"),
    ("script-content-length-ignored", "Content-Type: text/plain\\nContent-Length: 100\\n\\nshort", {}, 200, {},
     b"short"),
    ("binary-body", "Content-Type: application/octet-stream\\n\\n\\000\\001\\377", {}, 200, {}, b"\x00\x01\xff"),
]


@pytest.mark.parametrize("name,output,headers,status,want_headers,want_body", RESPONSE_CASES,
                         ids=[c[0] for c in RESPONSE_CASES])
def test_response(table, name, output, headers, status, want_headers, want_body):
    script = f"t/r-{name}"
    table.write_script(script, "#!/bin/sh\nprintf '" + output.replace("'", "'\\''") + "'\n")
    got, got_headers, body = table.get("/" + script, headers=headers)
    assert got == status, (got, body[:200])
    for k, v in want_headers.items():
        assert got_headers.get(k) == v, (k, got_headers.get(k))
    if callable(want_body):
        assert want_body(body), body[:300]
    elif want_body is not None:
        assert body == want_body


def test_repeated_set_cookie_kept_apart(table):
    table.write_script("t/cookies", "#!/bin/sh\nprintf 'Content-Type: text/plain\\nSet-Cookie: a=1\\n"
                                    "Set-Cookie: b=2\\n\\nc'\n")
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", table.port, timeout=10)
    c.request("GET", "/t/cookies")
    r = c.getresponse()
    r.read()
    assert r.msg.get_all("Set-Cookie") == ["a=1", "b=2"]
    c.close()


def test_script_starts_with_clean_signal_state(table):
    # httpd's worker threads block most signals and ignore SIGPIPE; mod_cgi
    # under a threaded MPM lets scripts inherit that. The script's own exec'd
    # program reports its mask and ignored set.
    table.write_script("t/sigs", "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\n"
                                 "exec grep -E '^Sig(Blk|Ign):' /proc/self/status\n")
    status, _, body = table.get("/t/sigs")
    assert status == 200
    fields = dict(line.split(":\t") for line in body.decode().splitlines())
    assert fields == {"SigBlk": "0000000000000000", "SigIgn": "0000000000000000"}, fields


TLS_CONF = """
LoadModule socache_shmcb_module {modules}/mod_socache_shmcb.so
LoadModule ssl_module {modules}/mod_ssl.so
LoadModule rewrite_module {modules}/mod_rewrite.so
Listen 127.0.0.1:{tls_port}
<VirtualHost 127.0.0.1:{tls_port}>
  SSLEngine on
  SSLCertificateFile "{root}/tls.crt"
  SSLCertificateKeyFile "{root}/tls.key"
  ScriptAlias /t/ "{root}/t/"
  <Directory "{root}/t">
    SSLOptions +StdEnvVars
  </Directory>
  RewriteEngine on
</VirtualHost>
"""


@pytest.fixture(scope="module")
def tls():
    import subprocess
    from conftest import serve
    from httpd_server import free_port
    port = free_port()

    def setup(srv):
        srv.write_script("t/env.py", ENV_PY)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=localhost", "-keyout", srv.path("tls.key"), "-out", srv.path("tls.crt")],
                       check=True, capture_output=True)

    for srv in serve(TLS_CONF.replace("{modules}", MODULES_DIR).replace("{tls_port}", str(port)),
                     empty_dirs=("t",), setup=setup):
        srv.tls_port = port
        yield srv


def test_mod_ssl_and_mod_rewrite_variables(tls):
    import http.client
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c = http.client.HTTPSConnection("127.0.0.1", tls.tls_port, context=ctx, timeout=10)
    c.request("GET", "/t/env.py")
    r = c.getresponse()
    env = env_of(r.read())
    c.close()
    assert r.status == 200
    assert env["HTTPS"] == "on" and env["REQUEST_SCHEME"] == "https"
    assert env["SSL_PROTOCOL"].startswith("TLSv1") and env["SSL_CIPHER"]
    assert env["SCRIPT_URL"] == "/t/env.py"
    assert env["SCRIPT_URI"] == f"https://127.0.0.1:{tls.tls_port}/t/env.py"
