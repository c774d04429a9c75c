# SPDX-License-Identifier: Apache-2.0
"""What the script prints, as the client sees it: mod_cgi's rules, safely."""

import http.client
import socket
import time

import pytest


def test_set_cookie_kept_apart_other_repeats_merged(server):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    c.request("GET", "/cgi-bin/cookies.sh")
    r = c.getresponse()
    assert r.read() == b"cookies\n"
    assert r.headers.get_all("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert r.headers.get_all("X-Multi") == ["one, two"]
    c.close()


def test_last_modified_conditional_gives_304(server):
    status, headers, body = server.get("/cgi-bin/lastmod.sh")
    assert status == 200 and headers["last-modified"] == "Wed, 01 Jan 2020 00:00:00 GMT"
    status, _, body = server.get("/cgi-bin/lastmod.sh", headers={"If-Modified-Since": "Thu, 02 Jan 2020 00:00:00 GMT"})
    assert status == 304 and body == b""
    status, _, _ = server.get("/cgi-bin/lastmod.sh", headers={"If-None-Match": '"v1"'})
    assert status == 304
    status, _, _ = server.get("/cgi-bin/lastmod.sh", headers={"If-Match": '"other"'})
    assert status == 412


def test_explicit_status_skips_conditional_processing(server):
    status, _, body = server.get("/cgi-bin/lastmod.sh?status",
                                 headers={"If-Modified-Since": "Thu, 02 Jan 2020 00:00:00 GMT"})
    assert status == 200 and body == b"body\n"


def test_script_content_length_does_not_frame_the_response(server):
    # CVE-2024-24795: httpd drops a script's Content-Length and frames the body itself.
    server.write_script("cgi-bin/liar.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\nContent-Length: 3\\n\\n"
                                           "the whole body\\n'\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /cgi-bin/liar.sh HTTP/1.0\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert body == b"the whole body\n"
    assert b"Content-Length: 3" not in head
    # And on a keep-alive connection the next response is intact.
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    c.request("GET", "/cgi-bin/liar.sh")
    r = c.getresponse()
    assert r.read() == b"the whole body\n"
    c.request("GET", "/cgi-bin/status.sh")
    r = c.getresponse()
    assert r.status == 418 and r.read() == b"teapot\n"
    c.close()


@pytest.mark.expect_log("CPPCGI0009")
def test_script_transfer_encoding_is_refused_with_502(server):
    # httpd 2.4 passes it on and sends the body unchunked (a broken response); trunk says 502.
    mark = server.log_mark()
    status, headers, body = server.get("/cgi-bin/framing.sh")
    assert status == 502
    server.wait_for_log(mark, r"CPPCGI0009: script .*framing\.sh sent a Transfer-Encoding header")


@pytest.mark.expect_log("CPPCGI0009")
def test_control_character_in_header_is_refused(server):
    mark = server.log_mark()
    status, headers, _ = server.get("/cgi-bin/crlf-header.sh")
    assert status == 500
    assert "injected" not in headers
    server.wait_for_log(mark, r"CPPCGI0009: malformed header from script .*crlf-header\.sh: control character")


@pytest.mark.expect_log("CPPCGI0008")
def test_killed_by_signal_is_500_and_says_so(server):
    mark = server.log_mark()
    assert server.get("/cgi-bin/early-exit-sig.sh")[0] == 500
    server.wait_for_log(mark, r"CPPCGI0008: End of script output before headers: .*early-exit-sig\.sh \(the script "
                              r"was killed by signal 9 \(Killed\)")


@pytest.mark.smoke
def test_output_is_streamed_as_written(server):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    start = time.time()
    c.request("GET", "/cgi-bin/stream.sh")
    r = c.getresponse()
    first = r.readline()
    first_at = time.time() - start
    rest = r.read()
    done_at = time.time() - start
    c.close()
    assert first == b"first\n" and rest == b"second\n"
    assert first_at < 0.8, first_at  # before the script's 1 s sleep is over
    assert done_at >= 0.9


def test_complete_short_response_gets_a_content_length(server):
    """A script done within moments of its headers: the whole response reaches
    httpd's filters at once, so it is framed by a length (as mod_cgid does when
    the output is all there when it looks), HEAD included."""
    for method in ("GET", "GET", "GET", "HEAD", "HEAD"):
        status, headers, body = server.request(method, "/cgi-bin/status.sh")
        assert status == 418 and headers.get("content-length") == "7", (method, headers)
        assert "transfer-encoding" not in headers
        assert body == (b"teapot\n" if method == "GET" else b"")


def test_http10_keep_alive_with_a_complete_response(server):
    """HTTP/1.0 has no chunking: without a length the connection must close."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        for i in range(3):
            s.sendall(b"GET /cgi-bin/status.sh HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
            data = b""
            while not data.endswith(b"teapot\n"):
                chunk = s.recv(65536)
                assert chunk, (i, data)
                data += chunk
            head = data.split(b"\r\n\r\n")[0]
            assert head.startswith(b"HTTP/1.1 418") and b"Content-Length: 7" in head, head
            assert b"Connection: Keep-Alive" in head, head


def test_output_over_the_hold_limit_is_streamed(server):
    status, headers, body = server.request("GET", "/cgi-bin/bigout.py?100000")
    assert status == 200 and headers.get("transfer-encoding") == "chunked", headers
    assert body == (bytes(range(256)) * 400)[:100000]


def test_stdout_pipe_grows_for_a_script_that_fills_it(server):
    """A script writing faster than the response drains its stdout pipe (64 KiB)
    gets a 128 KiB pipe, so that it and the worker take turns half as often;
    the body is unchanged. The script writes 1 MiB at once, then reports the
    size of the pipe it is writing to."""
    server.write_script("cgi-bin/pipesize.py", "#!/usr/bin/python3\nimport fcntl, sys\n"
                        "out = sys.stdout.buffer\nout.write(b'Content-Type: application/octet-stream\\n\\n')\n"
                        "out.write(bytes(range(256)) * 4096)\nout.flush()\n"
                        "out.write(b'%d' % fcntl.fcntl(1, fcntl.F_GETPIPE_SZ))\n")
    status, _, body = server.request("GET", "/cgi-bin/pipesize.py")
    assert status == 200 and len(body) > (1 << 20)
    assert body[:1 << 20] == bytes(range(256)) * 4096
    assert body[1 << 20:] == b"131072", body[1 << 20:]
    # A short response never fills the pipe: it keeps the default size.
    server.write_script("cgi-bin/pipesize_short.py", "#!/usr/bin/python3\nimport fcntl, sys\n"
                        "print('Content-Type: text/plain\\n', flush=True)\n"
                        "print(fcntl.fcntl(1, fcntl.F_GETPIPE_SZ))\n")
    status, _, body = server.request("GET", "/cgi-bin/pipesize_short.py")
    assert status == 200 and body == b"65536\n", body


def test_head_request_gets_no_body(server):
    status, headers, body = server.request("HEAD", "/cgi-bin/status.sh")
    assert status == 418 and body == b"" and headers["x-script"] == "yes"


def _raw(server, request):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def test_early_hints_are_forwarded_before_the_response(server):
    data = _raw(server, b"GET /cgi-bin/early-hints.sh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
                           b"HTTP/1.1 200 OK\r\n"), data[:300]
    assert data.endswith(b"final\n\r\n0\r\n\r\n") or b"final\n" in data


def test_no_interim_response_for_http10(server):
    data = _raw(server, b"GET /cgi-bin/early-hints.sh HTTP/1.0\r\nHost: x\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 OK"), data[:200]
    assert b"103" not in data.split(b"\r\n\r\n")[0]


@pytest.mark.expect_log("CPPCGI0009")
def test_interim_flood_is_refused(server):
    mark = server.log_mark()
    data = _raw(server, b"GET /cgi-bin/early-hints.sh?20 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert data.count(b"HTTP/1.1 103 Early Hints") == 8
    assert b"HTTP/1.1 500 Internal Server Error" in data
    server.wait_for_log(mark, r"CPPCGI0009: malformed header from script .*early-hints\.sh: more than 8 interim")


def test_redirect_with_document(server):
    server.write_script("cgi-bin/moved.sh", "#!/bin/sh\nprintf 'Status: 301 Moved Permanently\\nLocation: "
                                            "http://example.invalid/new\\nContent-Type: text/html\\n\\n<a>moved</a>\\n'\n")
    status, headers, body = server.get("/cgi-bin/moved.sh")
    assert status == 301 and headers["location"] == "http://example.invalid/new" and body == b"<a>moved</a>\n"


def test_config_cannot_override_server_computed_variables(fresh_server):
    # CVE-2025-65082: SetEnv must not replace what the server computes for the script.
    srv = fresh_server(extra_conf="SetEnv REQUEST_METHOD FAKE\nSetEnv SCRIPT_FILENAME /etc/passwd\n"
                                  "SetEnv QUERY_STRING fake=1\nSetEnv SETENV_OK yes\n")
    srv.start()
    _, _, body = srv.get("/cgi-bin/env.py?real=1")
    env = dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line)
    assert env["REQUEST_METHOD"] == "GET"
    assert env["SCRIPT_FILENAME"] == srv.path("cgi-bin", "env.py")
    assert env["QUERY_STRING"] == "real=1"
    assert env["SETENV_OK"] == "yes"
