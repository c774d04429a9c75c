"""HTTP/2 (h2c, prior knowledge) through mod_http2 with real curl: the same
scripts, variables and body handling as over HTTP/1.1. mod_http2 does not
run under prefork, so these run under event (and worker)."""

import hashlib
import os
import shutil
import subprocess

import pytest

from conftest import MPM

pytestmark = pytest.mark.skipif(MPM == "prefork" or not shutil.which("curl"),
                                reason="mod_http2 needs a threaded MPM; curl with nghttp2 is the client")

H2_CONF = """
LoadModule http2_module {modules}/mod_http2.so
Protocols h2c http/1.1
ScriptAlias /h2-slow/ "{root}/h2-slow/"
<Directory "{root}/h2-slow">
  CppCgiIdleTimeout 1
</Directory>
"""


@pytest.fixture(scope="module")
def h2():
    from conftest import serve
    yield from serve(H2_CONF, script_dirs=("h2-slow",))


def curl(srv, path, *args, stdin=None):
    p = subprocess.run(["curl", "-s", "--http2-prior-knowledge", "-o", "-", "-w", "\n%{http_code} %{http_version}",
                        *args, f"http://127.0.0.1:{srv.port}{path}"], input=stdin, capture_output=True, timeout=60)
    body, _, tail = p.stdout.rpartition(b"\n")
    code, version = tail.decode().split()
    return int(code), version, body


def env_of(body):
    return dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line)


def test_get_over_h2(h2):
    code, version, body = curl(h2, "/cgi-bin/env.py?x=1")
    assert (code, version) == (200, "2")
    env = env_of(body)
    assert env["SERVER_PROTOCOL"] == "HTTP/2.0"
    assert env["HTTP2"] == "on"
    assert env["QUERY_STRING"] == "x=1" and env["REQUEST_METHOD"] == "GET"


def test_body_without_length_gets_content_length_over_h2(h2, tmp_path):
    # An upload from a pipe: HTTP/2 carries no Content-Length; the module
    # spools it and sets CONTENT_LENGTH (RFC 3875 §4.1.2), and the script
    # gets it byte for byte.
    data = os.urandom(300 * 1024)
    code, version, body = curl(h2, "/cgi-bin/bodyinfo.py", "-X", "POST", "-T", "-",
                               "-H", "Content-Type: application/octet-stream", stdin=data)
    assert (code, version) == (200, "2")
    info = env_of(body)
    assert info["CONTENT_LENGTH"] == str(len(data))
    assert info["READ"] == str(len(data))
    assert info["SHA"] == hashlib.sha256(data).hexdigest()


def test_large_response_over_h2(h2):
    code, _, body = curl(h2, "/cgi-bin/bigout.py?1048576")
    assert code == 200
    assert body == (bytes(range(256)) * 256) * 16


def test_failures_keep_their_status_over_h2(h2):
    assert curl(h2, "/cgi-bin/noheaders.sh")[0] == 500
    assert curl(h2, "/h2-slow/silent.sh")[0] == 504
    assert curl(h2, "/cgi-bin/no-such-script")[0] == 404
