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


def test_head_request_gets_no_body(server):
    status, headers, body = server.request("HEAD", "/cgi-bin/status.sh")
    assert status == 418 and body == b"" and headers["x-script"] == "yes"
