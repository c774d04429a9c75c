# SPDX-License-Identifier: Apache-2.0
"""Clients that close their side of the connection: a half-close (the client
shuts down its write side after the request and keeps reading) is not an
abort, and must get the whole response; only a client that is really gone (a
reset, a failed write) ends the script, and never with a 2xx in the log."""

import os
import socket
import struct
import time

import pytest

from httpd_server import read_to_eof, shared_dir, wait_for_pids, wait_gone
from waits import wait_until

PATTERN = bytes(range(256)) * 256  # late.py's and bigout.py's output

CONF = """
ScriptAlias /stream/ "{root}/stream/"
<Directory "{root}/stream">
  CppCgiMaxRunTime 30
</Directory>
LogFormat "%>s %{{cppcgi-status}}n %U" closes
CustomLog "{root}/logs/closes.log" closes
"""

# Output that never stops, once DIR/go exists (QUERY_STRING names DIR).
STREAM_PY = """#!/usr/bin/python3
import os, sys, time
d = os.environ["QUERY_STRING"]
with open(d + "/started.tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(d + "/started.tmp", d + "/started")
while not os.path.exists(d + "/go"):
    time.sleep(0.01)
out = sys.stdout.buffer
out.write(b"Content-Type: text/plain\\n\\n")
while True:
    out.write(b"x" * 4096)
    out.flush()
    time.sleep(0.01)
"""

# A header name with a control character: refused, 500 (CPPCGI0009).
REFUSED_SH = "#!/bin/sh\nprintf 'Content-Type: text/plain\\nX-Bad\\001Name: v\\n\\nbody\\n'\n"


def _setup(srv):
    srv.write_script("stream/stream.py", STREAM_PY)
    srv.write_script("cgi-bin/refused.sh", REFUSED_SH)


@pytest.fixture(scope="module")
def close_server():
    from conftest import serve
    yield from serve(CONF, script_dirs=("stream",), setup=_setup)


def _request(version, path):
    if version == "1.0":
        return f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode()
    if version == "1.1":
        return f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()  # keep-alive: httpd closes after reading EOF


def _send(srv, version, path):
    """A connection to srv that has sent one request for path."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    s.sendall(_request(version, path))
    return s


def _parse(raw):
    """(status, headers, body) of one raw HTTP/1.x response, chunked bodies decoded."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    assert sep, f"no complete header section in {raw[:200]!r}"
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            body += rest[:size]
            assert rest[size:size + 2] == b"\r\n", "chunk not followed by CRLF"
            rest = rest[size + 2:]
    elif "content-length" in headers:
        body = rest[:int(headers["content-length"])]
        assert len(body) == int(headers["content-length"]), "body shorter than its Content-Length"
    else:
        body = rest  # delimited by the close
    return status, headers, body


def _access_status(srv, url_path):
    """The %>s and cppcgi-status of the latest access-log line for url_path (waits for it)."""
    path = srv.path("logs", "closes.log")

    def latest():
        for line in reversed(open(path).read().splitlines() if os.path.exists(path) else []):
            status, note, logged = line.split(" ", 2)
            if logged == url_path:
                return int(status), note
        return None
    return wait_until(latest, what=f"an access-log line for {url_path}")


def _wait_file(path, timeout=15):
    wait_until(lambda: os.path.exists(path), timeout, interval=0.01, what=f"{path} to appear")
    return open(path).read()


def _reset(sock):
    """Closes with a reset (SO_LINGER 0): what a client that is really gone sends."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.mark.smoke
@pytest.mark.parametrize("size", [1000, 300000])
@pytest.mark.parametrize("version", ["1.0", "1.1", "1.1-keep-alive"])
@pytest.mark.parametrize("when", ["before", "during"])
def test_half_close_gets_the_whole_response(close_server, when, version, size):
    srv = close_server
    mark = srv.log_mark()
    if when == "before":
        query = str(size)  # the script answers after 0.3 s
    else:
        d = shared_dir(srv)
        query = f"{size}+{d}"  # the script waits for d/go
    s = _send(srv, version, f"/cgi-bin/late.py?{query}")
    try:
        if when == "before":
            s.shutdown(socket.SHUT_WR)
        else:
            pid = int(_wait_file(f"{d}/started"))
            s.shutdown(socket.SHUT_WR)  # while the script is running and silent
            time.sleep(0.3)  # the old module ended the script within a poll; this one must not
            assert os.path.exists(f"/proc/{pid}"), "the script was ended after the client's half-close"
            open(f"{d}/go", "w").close()
        raw = read_to_eof(s)
    finally:
        s.close()
    status, headers, body = _parse(raw)
    assert status == 200, raw[:300]
    assert body == (PATTERN * (size // len(PATTERN) + 1))[:size]
    if size == 1000:
        assert headers.get("content-length") == "1000"  # short output is still held for its length
    assert "CPPCGI0013" not in srv.log_since(mark)


@pytest.mark.smoke
def test_refused_headers_give_500_to_a_half_closing_client(close_server):
    srv = close_server
    mark = srv.log_mark()
    s = _send(srv, "1.1", "/cgi-bin/refused.sh")
    try:
        s.shutdown(socket.SHUT_WR)
        raw = read_to_eof(s)
    finally:
        s.close()
    assert _parse(raw)[0] == 500, raw[:300]
    srv.wait_for_log(mark, r"CPPCGI0009: malformed header from script .*refused\.sh")
    assert "CPPCGI0013" not in srv.log_since(mark)
    assert _access_status(srv, "/cgi-bin/refused.sh")[0] == 500


@pytest.mark.smoke
@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_reset_ends_a_silent_script_and_is_not_logged_2xx(close_server, version):
    # A reset (or an error) on the connection: the client is really gone.
    srv = close_server
    d = shared_dir(srv)
    mark = srv.log_mark()
    s = _send(srv, version, f"/cgi-bin/pidfile.sh?{d}/p")
    script, child = wait_for_pids(f"{d}/p")
    _reset(s)
    assert wait_gone(script, 5) and wait_gone(child, 5)
    srv.wait_for_log(mark, r"CPPCGI0013: client is gone \(its connection was reset or failed\); ending script "
                           r".*pidfile\.sh \(pid %d\)" % script)
    status, note = _access_status(srv, "/cgi-bin/pidfile.sh")
    assert not 200 <= status < 300, status  # ended before its headers: never a success
    assert note == "client-gone"


def test_plain_close_lets_a_silent_script_run_to_its_idle_timeout(close_server):
    # A close() with nothing unread sends a FIN, exactly as a half-close does:
    # the two cannot be told apart without writing to the client, so the
    # script runs on, and its idle timeout (1 s under /slow/) ends it.
    srv = close_server
    d = shared_dir(srv)
    mark = srv.log_mark()
    s = _send(srv, "1.1", f"/slow/pidfile.sh?{d}/p")
    script, child = wait_for_pids(f"{d}/p")
    s.close()
    assert wait_gone(script, 10) and wait_gone(child, 10)
    log = srv.wait_for_log(mark, r"CPPCGI0010: script .*pidfile\.sh \(pid %d\) produced no output" % script)
    assert "CPPCGI0013" not in log


def test_plain_close_ends_the_script_at_its_first_output(close_server):
    # Once the script writes, a client that had closed answers with a reset:
    # that ends the script, long before its run-time limit (30 s).
    srv = close_server
    d = shared_dir(srv)
    mark = srv.log_mark()
    s = _send(srv, "1.1", f"/stream/stream.py?{d}")
    pid = int(_wait_file(f"{d}/started"))
    s.close()
    time.sleep(0.3)
    assert os.path.exists(f"/proc/{pid}")  # silent so far: not ended on the FIN alone
    open(f"{d}/go", "w").close()
    assert wait_gone(pid, 10)
    srv.wait_for_log(mark, r"CPPCGI0013: client is gone .*stream\.py \(pid %d\)" % pid)
    assert _access_status(srv, "/stream/stream.py") == (200, "client-gone")  # its headers had gone out
