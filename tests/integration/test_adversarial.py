# SPDX-License-Identifier: Apache-2.0
"""Hostile scenarios, one table per kind: A malformed script output, B bad
requests, C hostile scripts, D filesystem and exec checks, E helper and
server faults, F resource limits, G environment and identity; each named by
its letter and number (A4, E7). Each case runs against a real Apache; after
each, the autouse `server_guard` fixture (conftest.py) checks what H stands
for: no zombie or survivor below the helpers, no fd growth in workers, no
unexpected error-log line. Exactly one error-log line with the expected id is
asserted for every failure. Scenarios tested in other files are listed in
COVERED_ELSEWHERE (and checked to exist); those that do not apply are in
NOT_APPLICABLE with the reason. This file holds A and B and the map; C, D
and F are in test_adversarial_scripts.py, E and G in
test_adversarial_helpers.py."""

import http.client
import os
import re
import socket
import time

import pytest

from adversarial import ENV_DUMP, PY, SH, one_log_line, parse_env, raw, raw_exchange, run_case
from httpd_server import read_to_eof


# -- A. Malformed script output ---------------------------------------------------------------------
# (id, script, expected status, log id or None, log pattern)
A_CASES = [
    ("A1-no-blank-line", SH + "printf 'Content-Type: text/plain\\n'\n", 500, "CPPCGI0008",
     "Premature end of script headers"),
    ("A2-no-output", SH + "exit 0\n", 500, "CPPCGI0008", "End of script output before headers"),
    ("A3-body-only", SH + "printf 'hello\\n\\n'\n", 500, "CPPCGI0009", "hello"),
    ("A4-line-8190-passes", raw(b"Content-Type: text/plain\nX-Long: " + b"a" * (8190 - 8) + b"\n\nok"), 200, None, ""),
    ("A4-line-8193", raw(b"Content-Type: text/plain\nX-Long: " + b"a" * (8193 - 8) + b"\n\nok"), 500, "CPPCGI0009",
     "longer than"),
    ("A4-line-100k", raw(b"Content-Type: text/plain\nX-Long: " + b"a" * 100000 + b"\n\nok"), 500, "CPPCGI0009", ""),
    ("A5-10000-headers", raw(b"Content-Type: text/plain\n" + b"X-A: b\n" * 10000 + b"\nok"), 500, "CPPCGI0009", ""),
    ("A5-1MB-headers", raw(b"Content-Type: text/plain\n" + (b"X-A: " + b"b" * 4000 + b"\n") * 256 + b"\nok"), 500,
     "CPPCGI0009", ""),
    ("A6-nul-in-name", raw(b"Content-Type: text/plain\nF\0oo: bar\n\nok"), 500, "CPPCGI0009", ""),
    ("A6-nul-in-value", raw(b"Content-Type: text/plain\nFoo: b\0ar\n\nok"), 500, "CPPCGI0009", ""),
    ("A7-bare-cr-in-value", raw(b"Content-Type: text/plain\nFoo: bar\rSet-Cookie: x=1\n\nok"), 500, "CPPCGI0009", ""),
    ("A7-cr-in-name", raw(b"Content-Type: text/plain\nF\roo: bar\n\nok"), 500, "CPPCGI0009", ""),
    ("A8-ctl-in-value", raw(b"Content-Type: text/plain\nFoo: b\x01ar\n\nok"), 500, "CPPCGI0009", ""),
    ("A8-del-in-value", raw(b"Content-Type: text/plain\nFoo: b\x7far\n\nok"), 500, "CPPCGI0009", ""),
    ("A8-ctl-in-name", raw(b"Content-Type: text/plain\nF\x01oo: bar\n\nok"), 500, "CPPCGI0009", ""),
    ("A8-space-in-name", raw(b"Content-Type: text/plain\nFoo Bar: x\n\nok"), 500, "CPPCGI0009", ""),
    ("A8-empty-name", raw(b"Content-Type: text/plain\n: bar\n\nok"), 500, "CPPCGI0009", ""),
    ("A8-htab-in-value-ok", raw(b"Content-Type: text/plain\nFoo: b\tar\n\nok"), 200, None, ""),
    ("A9-obs-fold", raw(b"Content-Type: text/plain\nX: a\r\n  b\r\n\r\nok"), 500, "CPPCGI0009", ""),
    ("A10-status-abc", raw(b"Status: abc\nContent-Type: text/plain\n\nok"), 500, "CPPCGI0009", ""),
    ("A10-status-99", raw(b"Status: 99\nContent-Type: text/plain\n\nok"), 500, "CPPCGI0009", ""),
    ("A10-status-1000", raw(b"Status: 1000\nContent-Type: text/plain\n\nok"), 500, "CPPCGI0009", ""),
    ("A10-status-2000-ok", raw(b"Status: 2000 OK\nContent-Type: text/plain\n\nok"), 500, "CPPCGI0009", ""),
    ("A10-status-empty", raw(b"Status:\nContent-Type: text/plain\n\nok"), 500, "CPPCGI0009", ""),
    ("A10-status-ctl", raw(b"Status: 200 OK\x01\nContent-Type: text/plain\n\nok"), 500, "CPPCGI0009", ""),
    ("A11-status-101", raw(b"Status: 101 Switching Protocols\nUpgrade: x\n\n"), 500, "CPPCGI0009", ""),
    ("A16-location-cr", raw(b"Location: /x\rSet-Cookie: a=b\n\n"), 500, "CPPCGI0009", ""),
    ("A20-content-type-nul", raw(b"Content-Type: a/b; charset=\0\n\nok"), 500, "CPPCGI0009", ""),
    ("A20-content-type-cr", raw(b"Content-Type: text/html\rX: y\n\nok"), 500, "CPPCGI0009", ""),
]


@pytest.mark.parametrize("name,script,status,log_id,pattern", A_CASES, ids=[c[0] for c in A_CASES])
def test_malformed_output(adv, name, script, status, log_id, pattern):
    mark = adv.log_mark()
    got, headers, body = run_case(adv, name, script)
    assert got == status, (got, body[:200])
    if log_id:
        line = one_log_line(adv, mark, log_id, pattern)
        assert f"adv/{name}" in line  # names the script
        assert "set-cookie" not in headers and "foo" not in headers  # nothing of the bad section leaks
    else:
        assert body == b"ok"


def test_a12_last_status_wins(adv):
    status, _, body = run_case(adv, "a12", raw(b"Status: 404 Nope\nStatus: 201 Made\nContent-Type: text/plain\n\nok"))
    assert (status, body) == (201, b"ok")


@pytest.mark.parametrize("cl", [b"Content-Length: 5\nContent-Length: 500\n", b"Content-Length: -3\n",
                                b"Content-Length: abc\n", b"Content-Length: 10000000\n"])
def test_a13_a14_script_content_length_never_frames_the_response(adv, cl):
    # Ten bytes of body whatever the script claims; the client never waits for more.
    start = time.time()
    status, headers, body = run_case(adv, "a13", raw(b"Content-Type: text/plain\n" + cl + b"\n0123456789"))
    assert (status, body) == (200, b"0123456789")
    assert time.time() - start < 5


def test_a15_transfer_encoding_refused(adv):
    mark = adv.log_mark()
    status, _, _ = run_case(adv, "a15", raw(b"Content-Type: text/plain\nTransfer-Encoding: chunked\n\n5\r\nhello\r\n0\r\n\r\n"))
    assert status == 502
    one_log_line(adv, mark, "CPPCGI0009", "Transfer-Encoding")


def test_a17_internal_redirect_loop_is_bounded(adv):
    mark = adv.log_mark()
    status, _, _ = run_case(adv, "a17", SH + "printf 'Location: /adv/a17\\n\\n'\n")
    assert status == 500
    one_log_line(adv, mark, "AH00124", "internal redirects")


@pytest.mark.parametrize("location", [b"//evil.example/x", b"/\\evil"])
def test_a18_scheme_relative_location_never_leaves_the_host(adv, location):
    status, headers, _ = run_case(adv, "a18", raw(b"Location: " + location + b"\n\n"))
    # Either a client redirect with the value intact, or a local path that does not exist.
    assert status in (302, 404), status
    if status == 302:
        assert headers["location"] == location.decode()


def test_a19_local_redirect_of_a_post_is_a_get_without_body(adv):
    adv.write_script("adv/a19-target", PY + "out.write(b'Content-Type: text/plain\\n\\n' + "
                     "(os.environ['REQUEST_METHOD'] + ' ' + os.environ.get('CONTENT_LENGTH', '-') + ' ' + "
                     "str(len(sys.stdin.buffer.read()))).encode())\n")
    status, _, body = run_case(adv, "a19", SH + "printf 'Location: /adv/a19-target\\n\\n'\n", method="POST",
                               body=b"x" * 1000, headers={"Content-Type": "application/octet-stream"})
    assert (status, body) == (200, b"GET - 0")


def test_a21_large_body_streams_byte_exact(adv):
    n = 64 * 1024 * 1024
    script = PY + f"""out.write(b'Content-Type: application/octet-stream\\n\\n')
block = bytes(range(256)) * 256
for _ in range({n} // len(block)):
    out.write(block)
"""
    adv.write_script("adv/a21", script)
    c = http.client.HTTPConnection("127.0.0.1", adv.port, timeout=60)
    c.request("GET", "/adv/a21")
    r = c.getresponse()
    got = 0
    block = bytes(range(256)) * 256
    while True:
        data = r.read(len(block))
        if not data:
            break
        assert data == block[:len(data)]
        got += len(data)
        if got < 4 * len(block):
            time.sleep(0.2)  # a slow reader at first: the script must block, not us buffer
    c.close()
    assert got == n


def test_a22_nph_garbage_passes_raw(adv):
    adv.write_script("adv/nph-garbage", raw(b"HTTP/1.1 200 OK\r\nX-Injected: yes\r\n\r\n\x00\x01garbage"))
    data = raw_exchange(adv, b"GET /adv/nph-garbage HTTP/1.0\r\nHost: x\r\n\r\n")
    assert data == b"HTTP/1.1 200 OK\r\nX-Injected: yes\r\n\r\n\x00\x01garbage"


# -- B. Bad and hostile requests --------------------------------------------------------------------
def test_b2_colliding_and_dangerous_header_names(adv):
    headers = {"X-Forwarded_For": "1.2.3.4", "Content_Length": "0", "Proxy": "http://evil", "Authorization":
               "Basic eDp5", "PATH": "/evil", "LD_PRELOAD": "/tmp/evil.so", "Session": "s"}
    status, _, body = run_case(adv, "b2", ENV_DUMP, headers=headers)
    assert status == 200
    env = parse_env(body)
    assert "HTTP_PROXY" not in env and "HTTP_AUTHORIZATION" not in env
    assert not any("FORWARDED_FOR" in k or k == "HTTP_CONTENT_LENGTH" for k in env)
    assert env.get("PATH") != "/evil" and "LD_PRELOAD" not in env
    assert env["HTTP_SESSION"] == "s"  # an ordinary header arrives as HTTP_*


def test_b3_shellshock_value_is_delivered_verbatim_and_never_run(adv):
    payload = "() { :; }; echo vulnerable"
    script = "#!/bin/bash\nprintf 'Content-Type: text/plain\\n\\n%s' \"$HTTP_USER_AGENT\"\n"
    status, _, body = run_case(adv, "b3.sh", script, headers={"User-Agent": payload})
    assert (status, body) == (200, payload.encode())


@pytest.mark.parametrize("chunked", [b"zz\r\nhello\r\n0\r\n\r\n", b"ffffffffffffffff1\r\nx\r\n0\r\n\r\n",
                                     b"5\r\nhelloXX0\r\n\r\n"])
def test_b4_invalid_chunked_body_never_yields_200(adv, chunked):
    adv.write_script("adv/b4", PY + "d = sys.stdin.buffer.read()\nout.write(b'Content-Type: text/plain\\n\\n' + d)\n")
    reply = raw_exchange(adv, b"POST /adv/b4 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                               b"Connection: close\r\n\r\n" + chunked)
    status = int(reply.split(b" ", 2)[1]) if reply else 0
    assert status in (400, 413), reply[:200]


def test_b1_huge_request_headers_are_refused_by_core(adv):
    adv.write_script("adv/b1", ENV_DUMP)
    many = "".join(f"X-H{i}: v\r\n" for i in range(101)).encode()
    reply = raw_exchange(adv, b"GET /adv/b1 HTTP/1.1\r\nHost: x\r\n" + many + b"Connection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400"), reply[:100]
    reply = raw_exchange(adv, b"GET /adv/b1 HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 65536 +
                          b"\r\nConnection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400"), reply[:100]


@pytest.mark.expect_log("CPPCGI0015")
def test_b7_slowloris_body_is_cut_by_timeout(fresh_server):
    srv = fresh_server(extra_conf="Timeout 2\n")
    srv.write_script("cgi-bin/b7", PY + "d = sys.stdin.buffer.read()\nout.write(b'Content-Type: text/plain\\n\\n')\n")
    srv.start()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=20)
    s.sendall(b"POST /cgi-bin/b7 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nx")
    start = time.time()
    data = read_to_eof(s)
    s.close()
    assert time.time() - start < 10  # the Timeout (2 s) ended it, not the client
    assert not data.startswith(b"HTTP/1.1 200"), data[:100]
    assert srv.invariant_problems({}) == []  # the script saw EOF or was ended, and was reaped


def test_b10_expect_100_continue(adv):
    adv.write_script("adv/b10", PY + "d = sys.stdin.buffer.read()\nout.write(b'Content-Type: text/plain\\n\\n' + d)\n")
    s = socket.create_connection(("127.0.0.1", adv.port), timeout=10)
    s.sendall(b"POST /adv/b10 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
              b"Connection: close\r\n\r\n")
    first = s.recv(100)
    assert first.startswith(b"HTTP/1.1 100 Continue"), first
    s.sendall(b"hello")
    rest = read_to_eof(s)
    s.close()
    head, _, body = rest.partition(b"\r\n\r\n")
    assert b"200 OK" in head
    # Whole either way: with a length (the script was done at once) or chunked.
    assert (b"Content-Length: 5" in head and body == b"hello") or body == b"5\r\nhello\r\n0\r\n\r\n", rest


def test_b11_unread_body_is_never_parsed_as_the_next_request(adv):
    adv.write_script("adv/b11", SH + "printf 'Content-Type: text/plain\\n\\nearly'\n")  # never reads its body
    smuggled = b"GET /adv/b11-secret HTTP/1.1\r\nHost: x\r\n\r\n"
    body = smuggled + b"x" * 100
    reply = raw_exchange(adv, b"POST /adv/b11 HTTP/1.1\r\nHost: x\r\nContent-Length: " + str(len(body)).encode() +
                          b"\r\n\r\n" + body + b"GET /adv/b11 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"b11-secret" not in reply and reply.count(b"HTTP/1.1 404") == 0
    assert reply.count(b"early") in (1, 2)  # the second request is served, or the connection closed


def test_b12_indexed_query_words_starting_with_dash_are_refused(adv):
    # RFC 3875 §4.4 argv, as mod_cgi; but "-s" or "-d" reach an interpreter's
    # option parser (php-cgi, CVE-2012-1823): refused with 400.
    mark = adv.log_mark()
    status, _, _ = run_case(adv, "b12", ENV_DUMP, path_suffix="?-s")
    assert status == 400
    one_log_line(adv, mark, "CPPCGI0022", "-s")
    status, _, _ = run_case(adv, "b12", ENV_DUMP, path_suffix="?-d+allow_url_include%3don")
    assert status == 400
    status, _, _ = run_case(adv, "b12", ENV_DUMP, path_suffix="?a+b+c")
    assert status == 200
    status, _, _ = run_case(adv, "b12", ENV_DUMP, path_suffix="?" + "+" * 100000)
    assert status in (200, 414)


@pytest.mark.expect_log("AH10244", "CPPCGI0003")
@pytest.mark.parametrize("path", ["/adv/.%2e/.%2e/bin/sh", "/adv/%2e%2e/httpd.conf", "/adv//b13", "/adv/b13%20",
                                  "/adv/b13.", "/adv/b13::$DATA", "/adv/..%2fhttpd.conf"])
def test_b13_path_tricks_never_exec_outside_or_show_source(adv, path):
    adv.write_script("adv/b13", SH + "printf 'Content-Type: text/plain\\n\\nran'\n")
    status, _, body = adv.get(path)
    assert b"#!/bin/sh" not in body
    if path == "/adv//b13":
        assert (status, body) == (200, b"ran")  # the same script: no harm
    else:
        assert status in (400, 403, 404), (path, status)


def test_b14_ranges_on_streamed_output(adv):
    script = raw(b"Content-Type: text/plain\n\n0123456789abcdef")
    status, headers, body = run_case(adv, "b14", script, headers={"Range": "bytes=2-5"})
    assert (status, body) == (206, b"2345")
    many = ",".join(f"{i}-{i}" for i in range(500))
    status, _, body = run_case(adv, "b14", script, headers={"Range": "bytes=" + many})
    assert status in (200, 206)  # MaxRanges decides; never an error or a hang


# -- Coverage map -----------------------------------------------------------------------------------
# Scenarios tested in other files: scenario -> "file::test".
COVERED_ELSEWHERE = {
    "A21-backpressure": "test_foundation.py::test_full_duplex_script_writes_before_reading",
    "A22-nph-in-ssi": "test_ssi.py::test_nph_script_cannot_be_included",
    "B1": "test_differential.py::test_same_cgi_variables_as_mod_cgid",
    "B5": "test_body.py::test_chunked_body_gets_content_length",
    "B6": "test_body.py::test_chunked_body_over_limit_is_413",
    "B7": "test_body.py::test_aborted_body_never_yields_a_clean_response",
    "B8": "test_body.py::test_aborted_body_never_yields_a_clean_response",
    "B9": "test_client_close.py::test_plain_close_ends_the_script_at_its_first_output",
    "B12-argv": "test_foundation.py::test_indexed_query_becomes_argv",
    "C2": "test_pool.py::test_idle_timeout_kills_script_and_its_group",
    "C3": "test_pool.py::test_max_run_time_after_headers_cuts_the_response",
    "C7": "test_pool.py::test_timeout_ends_a_daemonized_grandchild",
    "C8": "test_pool.py::test_timeout_ends_a_daemonized_grandchild",
    "C13": "test_foundation.py::test_script_inherits_only_stdio",
    "C14": "test_suexec.py::test_c14_script_of_another_user_cannot_signal_its_helper",
    "D1": "test_checks.py::test_check",
    "D2": "test_checks.py::test_check",
    "D3": "test_checks.py::test_swapped_in_unchecked_binary_never_runs",
    "D4": "test_checks.py::test_check",
    "D5": "test_checks.py::test_owner_requirement",
    "D6": "test_suexec.py::test_d6_root_or_low_target_is_refused_per_request",
    "D8": "test_checks.py::test_check",
    "D9": "test_checks.py::test_check",
    "D10": "test_foundation.py::test_exec_failure_is_500_and_names_the_cause",
    "D11": "test_checks.py::test_check",
    "D12": "test_checks.py::test_interpreter_checks",
    "D13": "test_checks.py::test_check",
    "D14": "test_checks.py::test_fifo_is_refused_without_blocking",
    "E1": "test_pool.py::test_helper_death_ends_its_scripts",
    "F5": "test_script_log.py::test_unwritable_log_loses_only_the_entry",
    "E2": "test_pool.py::test_cap_gives_503_with_retry_after",
    "E3": "test_pool.py::test_graceful_restart_under_load_loses_nothing",
    "E4": "test_pool.py::test_graceful_stop_finishes_request_and_leaves_nothing",
    "E5": "test_pool.py::test_helpers_die_with_httpd_parent",
    "E10": "tests/soak/soak.py (60 s in CI)",
    "F1": "test_pool.py::test_rlimits_apply_to_scripts",
    "F3": "test_pool.py::test_no_fd_growth_or_zombies_after_many_requests",
    "G1": "test_response.py::test_config_cannot_override_server_computed_variables",
    "G4": "test_ssi.py::test_exec_cmd_never_gets_the_query_string",
}

# Scenarios that do not apply, and why.
NOT_APPLICABLE = {
    "D7": "no script root of our own: httpd's <Directory>/ScriptAlias mapping decides what may run",
    "E6": "no separate manager process: httpd's parent supervises the helpers directly (E1 covers its job)",
    "G3": "who a script runs as comes only from httpd's get_suexec_identity hook (mod_suexec's server "
          "config, mod_userdir's URL mapping), as with mod_cgi; nothing of the request reaches it here",
}


ALL_SCENARIOS = ([f"A{i}" for i in range(1, 23)] + [f"B{i}" for i in range(1, 15)] +
                 [f"C{i}" for i in range(1, 15)] + [f"D{i}" for i in range(1, 16)] +
                 [f"E{i}" for i in range(1, 12)] + [f"F{i}" for i in range(1, 6)] + [f"G{i}" for i in range(1, 5)])


def test_every_scenario_is_tested_or_explained():
    import test_adversarial_helpers
    import test_adversarial_scripts
    tested_here = set()
    names = list(globals()) + dir(test_adversarial_scripts) + dir(test_adversarial_helpers)
    for name in names:
        if name.startswith("test_"):  # test_a13_a14_... covers A13 and A14
            tested_here |= {x.upper() for x in re.findall(r"(?<=_)([a-g]\d+)(?=_)", name)}
    tested_here |= {case[0].split("-")[0] for case in A_CASES}
    elsewhere = {key.split("-")[0] for key in COVERED_ELSEWHERE}
    missing = [s for s in ALL_SCENARIOS if s not in tested_here | elsewhere | set(NOT_APPLICABLE)]
    assert not missing, missing


def test_coverage_map_points_at_real_tests():
    here = os.path.dirname(os.path.abspath(__file__))
    for scenario, where in COVERED_ELSEWHERE.items():
        if where.startswith("tests/"):
            assert os.path.exists(os.path.join(here, "..", "..", where.split()[0])), scenario
            continue
        path, test = where.split("::")
        assert f"def {test}(" in open(os.path.join(here, path)).read(), (scenario, where)
    assert not set(COVERED_ELSEWHERE) & set(NOT_APPLICABLE)
