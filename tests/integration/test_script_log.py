"""ScriptLog, ScriptLogLength, ScriptLogBuffer: mod_cgi's debugging log of
failed scripts, in mod_cgi's format (%% lines, %request/%response/%stdout/
%stderr, or %error for a script that never ran). Successful requests write
nothing; a log that cannot be written loses its entry and nothing else."""

import os
import re

import pytest

LOG_CONF = """
ScriptLog logs/cgi.log
ScriptLogBuffer 16
"""


@pytest.fixture(scope="module")
def log_server():
    from conftest import serve

    def setup(srv):
        # Written by the workers, which run as User: the directory must let them create it.
        os.chmod(srv.path("logs"), 0o777)

    yield from serve(LOG_CONF, setup=setup)


def _entries(srv):
    path = srv.path("logs", "cgi.log")
    if not os.path.exists(path):
        return []
    text = open(path, errors="replace").read()
    return [e for e in re.split(r"(?m)^(?=%% \[)", text) if e]


def _new(srv, before):
    return _entries(srv)[len(before):]


def test_failed_script_gets_a_full_entry(log_server):
    srv = log_server
    before = _entries(srv)
    status, _, _ = srv.request("POST", "/cgi-bin/fails.sh?x=1", body=b"user=alice&pass=secret-and-more",
                               headers={"Authorization": "Basic dXNlcjpwYXNz", "X-Trace": "t1"})
    assert status == 500
    [entry] = _new(srv, before)
    lines = entry.splitlines()
    assert re.match(r"%% \[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] POST /cgi-bin/fails.sh\?x=1 HTTP/1.1$", lines[0])
    assert lines[1] == f"%% 500 {srv.path('cgi-bin', 'fails.sh')}"
    assert lines[2] == "%request"
    assert "X-Trace: t1" in lines
    assert "Authorization: (masked)" in lines and "dXNlcjpwYXNz" not in entry
    assert "user=alice&pass=" in lines  # the first ScriptLogBuffer (16) bytes of the body, no more
    assert "secret" not in entry
    response = lines.index("%response")
    assert "End of script output before headers" in lines[response + 1]
    stderr = lines.index("%stderr")
    assert lines[stderr + 1:stderr + 3] == ["Traceback (most recent call last):",
                                           "ZeroDivisionError: division by zero <&>"]


def test_malformed_headers_show_what_the_script_sent(log_server):
    srv = log_server
    before = _entries(srv)
    status, _, _ = srv.get("/cgi-bin/malformed.sh")
    assert status == 500
    [entry] = _new(srv, before)
    lines = entry.splitlines()
    assert lines[1].startswith("%% 500 ")
    assert "%stdout" in lines and "Content-Type: text/plain" in lines[lines.index("%stdout"):]


def test_refused_and_missing_scripts_get_an_error_entry(log_server):
    srv = log_server
    srv.write_script("cgi-bin/crlf-log.sh", "#!/bin/sh\r\necho\r\n")
    before = _entries(srv)
    assert srv.get("/cgi-bin/crlf-log.sh")[0] == 500
    assert srv.get("/cgi-bin/no-such-script")[0] == 404
    crlf, missing = _new(srv, before)
    assert crlf.splitlines()[1:3] == [f"%% 500 {srv.path('cgi-bin', 'crlf-log.sh')}", "%error"]
    assert crlf.splitlines()[3].startswith("CPPCGI0307: ") and "; fix: " in crlf
    assert missing.splitlines()[1:] == [f"%% 404 {srv.path('cgi-bin', 'no-such-script')}", "%error",
                                       "script not found or unable to stat"]


def test_successful_script_writes_nothing(log_server):
    srv = log_server
    before = _entries(srv)
    assert srv.get("/cgi-bin/env.py")[0] == 200
    assert _new(srv, before) == []


def test_log_length_stops_entries_once_the_file_is_larger(fresh_server):
    srv = fresh_server("ScriptLog logs/small.log\nScriptLogLength 100\n")
    os.chmod(srv.path("logs"), 0o777)
    srv.start()
    for _ in range(3):
        assert srv.get("/cgi-bin/noheaders.sh")[0] == 500
    text = open(srv.path("logs", "small.log")).read()
    assert text.count("%% [") == 1, text  # the first entry made it larger than 100 bytes


def test_unwritable_log_loses_only_the_entry(fresh_server):
    # /dev/full: every write fails with ENOSPC (adversarial.md F5).
    srv = fresh_server("ScriptLog /dev/full\n")
    srv.start()
    for _ in range(3):
        status, _, _ = srv.get("/cgi-bin/noheaders.sh", timeout=10)
        assert status == 500
    assert srv.get("/cgi-bin/env.py")[0] == 200


@pytest.mark.parametrize("line,needle", [
    ("<Directory />\nScriptLog x.log\n</Directory>", "ScriptLog not allowed in <Directory> context"),
])
def test_bad_values_are_refused_at_config_check(server, line, needle):
    code, out = server.config_test(server.config_text() + line + "\n")
    assert code != 0 and needle in out, out
