# SPDX-License-Identifier: Apache-2.0
"""HTTP/2 (h2c, prior knowledge) through mod_http2 with real curl: the same
scripts, variables and body handling as over HTTP/1.1. mod_http2 does not
run under prefork, so these run under event (and worker)."""

import hashlib
import os
import shutil
import socket
import struct
import subprocess
import time

import pytest

from conftest import MPM
from httpd_server import shared_dir, wait_for_pids, wait_gone

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


@pytest.mark.expect_log("CPPCGI0003", "CPPCGI0008", "CPPCGI0010")
def test_failures_keep_their_status_over_h2(h2):
    assert curl(h2, "/cgi-bin/noheaders.sh")[0] == 500
    assert curl(h2, "/h2-slow/silent.sh")[0] == 504
    assert curl(h2, "/cgi-bin/no-such-script")[0] == 404


def _frame(ftype, flags, stream, payload=b""):
    """One HTTP/2 frame (RFC 9113 §4.1)."""
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


def _literal(index, value):
    """A header field as a literal with an indexed name, not indexed, no Huffman (RFC 7541 §6.2.2)."""
    v = value.encode()
    assert index < 15 and len(v) < 127
    return bytes([index, len(v)]) + v


@pytest.mark.parametrize("how", ["rst_stream", "close"])
def test_client_reset_ends_silent_script_over_h2(h2, how):
    # An HTTP/2 stream has no socket of its own that could show a hang-up:
    # the module looks at the stream's abort flag (set by mod_http2 on
    # RST_STREAM or when the connection ends) every 200 ms while it waits,
    # so a silent script is ended at once, not at the idle timeout (30 s
    # here) or its next output.
    d = shared_dir(h2)
    mark = h2.log_mark()
    s = socket.create_connection(("127.0.0.1", h2.port))
    try:
        block = (b"\x82\x86" + _literal(4, f"/cgi-bin/pidfile.sh?{d}/p")  # GET, http, :path
                 + _literal(1, f"127.0.0.1:{h2.port}"))                     # :authority
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + _frame(4, 0, 0)  # preface, SETTINGS
                  + _frame(4, 1, 0)                                           # SETTINGS ACK
                  + _frame(1, 0x5, 1, block))                                 # HEADERS, END_STREAM|END_HEADERS
        script, child = wait_for_pids(f"{d}/p")
        time.sleep(0.5)
        assert os.path.exists(f"/proc/{script}")  # silent, still running
        started = time.time()
        if how == "rst_stream":
            s.sendall(_frame(3, 0, 1, struct.pack(">I", 8)))  # RST_STREAM, CANCEL; the connection stays
        else:
            s.close()
        assert wait_gone(script, 5) and wait_gone(child, 5)
        assert time.time() - started < 5
        h2.wait_for_log(mark, r"CPPCGI0013: client is gone \(its HTTP/2 stream was reset or its connection "
                              r"closed\); ending script .*pidfile\.sh \(pid %d\)" % script)
    finally:
        s.close()
