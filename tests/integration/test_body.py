# SPDX-License-Identifier: Apache-2.0
"""Request bodies: chunked uploads get CONTENT_LENGTH (spooled), or stream on request."""

import hashlib
import http.client
import os
import socket

import pytest

BODY_CONF = """
ScriptAlias /stream/ "{root}/stream/"
ScriptAlias /small/ "{root}/small/"
<Directory "{root}/stream">
  CppCgiRequestBody stream
</Directory>
<Directory "{root}/small">
  LimitRequestBody 1000
</Directory>
"""


@pytest.fixture(scope="module")
def body_server():
    from conftest import serve
    yield from serve(BODY_CONF, script_dirs=("stream", "small"))


def chunked_post(srv, path, payload, chunk=8192):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    pieces = (payload[i:i + chunk] for i in range(0, len(payload), chunk))
    c.request("POST", path, body=pieces, encode_chunked=True,
              headers={"Transfer-Encoding": "chunked", "Content-Type": "application/octet-stream"})
    r = c.getresponse()
    out = r.status, r.read()
    c.close()
    return out


def info(body):
    return dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line)


@pytest.mark.parametrize("size", [0, 1, 1000, 200 * 1024, 3 * 1024 * 1024])
def test_chunked_body_gets_content_length(body_server, size):
    payload = os.urandom(size)
    status, body = chunked_post(body_server, "/cgi-bin/bodyinfo.py", payload)
    assert status == 200
    i = info(body)
    assert i["CONTENT_LENGTH"] == str(size)
    assert i["TE"] == "<unset>"  # de-chunked: no transfer coding left for the script to undo
    assert i["READ"] == str(size)
    assert i["SHA"] == hashlib.sha256(payload).hexdigest()


def test_stream_mode_passes_body_without_content_length(body_server):
    payload = os.urandom(300000)
    status, body = chunked_post(body_server, "/stream/bodyinfo.py", payload)
    assert status == 200
    i = info(body)
    assert i["CONTENT_LENGTH"] == "<unset>"  # what mod_cgi does
    assert i["SHA"] == hashlib.sha256(payload).hexdigest()


def test_known_length_body_is_streamed_unchanged(body_server):
    payload = os.urandom(500000)
    status, _, body = body_server.request("POST", "/cgi-bin/bodyinfo.py", body=payload)
    assert status == 200
    i = info(body)
    assert i["CONTENT_LENGTH"] == str(len(payload)) and i["SHA"] == hashlib.sha256(payload).hexdigest()


def test_chunked_body_over_limit_is_413(body_server):
    status, _ = chunked_post(body_server, "/small/bodyinfo.py", os.urandom(5000), chunk=500)
    assert status == 413


def test_aborted_body_never_yields_a_clean_response(body_server):
    """The client promises 100000 bytes, sends 1000, and hangs up."""
    srv = body_server
    mark = srv.log_mark()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"POST /cgi-bin/bodyinfo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"a" * 1000)
    s.shutdown(socket.SHUT_WR)
    data = b""
    try:
        while chunk := s.recv(65536):
            data += chunk
    except OSError:
        pass
    s.close()
    assert not data.startswith(b"HTTP/1.1 200"), data[:200]
    srv.wait_for_log(mark, r"CPPCGI0015: reading the request body for .*bodyinfo\.py failed")
