# SPDX-License-Identifier: Apache-2.0
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


@pytest.mark.expect_log("CPPCGI0001", "CPPCGI0008")
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


@pytest.mark.expect_log("CPPCGI0009")
def test_malformed_headers_show_what_the_script_sent(log_server):
    srv = log_server
    before = _entries(srv)
    status, _, _ = srv.get("/cgi-bin/malformed.sh")
    assert status == 500
    [entry] = _new(srv, before)
    lines = entry.splitlines()
    assert lines[1].startswith("%% 500 ")
    assert "%stdout" in lines and "Content-Type: text/plain" in lines[lines.index("%stdout"):]


@pytest.mark.expect_log("CPPCGI0003", "CPPCGI0008", "CPPCGI0307")
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


@pytest.mark.expect_log("CPPCGI0008")
def test_log_length_stops_entries_once_the_file_is_larger(fresh_server):
    srv = fresh_server("ScriptLog logs/small.log\nScriptLogLength 100\n")
    os.chmod(srv.path("logs"), 0o777)
    srv.start()
    for _ in range(3):
        assert srv.get("/cgi-bin/noheaders.sh")[0] == 500
    text = open(srv.path("logs", "small.log")).read()
    assert text.count("%% [") == 1, text  # the first entry made it larger than 100 bytes


@pytest.mark.expect_log("CPPCGI0008", "CPPCGI0009")
def test_unwritable_log_loses_only_the_entry(fresh_server):
    # /dev/full: every write fails with ENOSPC (scenario F5).
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


# -- the same entries as mod_cgi's -----------------------------------------------------------------
# Malformed output: a header, a line that is not one, the end of the
# header section, then 1 KiB, in one write.
BAD_1K = """#!/usr/bin/python3
import sys
sys.stdout.write("Content-Type: text/plain\\nthis is not a header\\n\\n" +
                 "".join("line %04d of the output, padded to 32\\n" % i for i in range(32)))
"""


def _pair(conf):
    """Apache with mod_cgi and Apache with mod_cppcgi, the same ScriptLog config and bad script."""
    from conftest import MPM
    from httpd_server import MODULES_DIR, HttpdServer
    servers = []
    for module in ("cgi", "ours"):
        srv = HttpdServer(mpm=MPM, log_level="warn")
        os.chmod(srv.path("logs"), 0o777)
        srv.write_script("cgi-bin/bad1k.py", BAD_1K)
        if module == "cgi":
            srv.module_lines = [f'LoadModule cgi_module "{MODULES_DIR}/mod_cgi.so"']
        srv.extra_conf = f'ScriptAlias /cgi-bin/ "{srv.root}/cgi-bin/"\n' + conf
        servers.append(srv)
    try:
        for srv in servers:
            srv.start()
    except Exception:
        for srv in servers:
            srv.stop()
            srv.cleanup()
        raise
    return servers


def _stop(servers):
    for srv in servers:
        left = srv.stop()
        srv.cleanup()
        assert not left, left


def _sections(entry, port):
    """An entry's sections by name, Host's port and the time left out."""
    entry = entry.replace(f"127.0.0.1:{port}", "127.0.0.1:PORT")
    parts = re.split(r"(?m)^(%request|%response|%stdout|%stderr)\n", entry)
    sections = {"head": re.sub(r"\[[^]]*\]", "[TIME]", parts[0])}
    for name, text in zip(parts[1::2], parts[2::2]):
        sections[name] = text
    return sections


@pytest.mark.parametrize("method,body_size", [("GET", 0), ("POST", 1023), ("POST", 1024), ("POST", 1025)])
@pytest.mark.expect_log("CPPCGI0009", "malformed header from script 'bad1k.py'")
def test_entries_are_mod_cgis_for_the_same_request(method, body_size):
    cgi, ours = _pair("ScriptLog logs/cgi.log\n")
    try:
        body = bytes(ord("a") + i % 26 for i in range(body_size)) if body_size else None
        got = []
        for srv in (cgi, ours):
            before = _entries(srv)
            assert srv.request(method, "/cgi-bin/bad1k.py?q=1", body=body)[0] == 500
            [entry] = _new(srv, before)
            got.append(_sections(entry, srv.port))
        theirs, mine = got
        assert mine["head"].replace(ours.root, "ROOT") == theirs["head"].replace(cgi.root, "ROOT")
        # The request headers and the body's first ScriptLogBuffer (1024) bytes, byte for byte.
        assert mine["%request"] == theirs["%request"]
        if body_size:
            assert theirs["%request"].endswith("\n" + body[:1024].decode() + "\n")
        # All of the output: mod_cgi shows what followed the malformed line (the line itself goes in
        # %response), mod_cppcgi all of it.
        assert theirs["%response"] == "this is not a header\n"
        assert mine["%response"].startswith("malformed header from script ")
        assert mine["%stdout"] == "Content-Type: text/plain\nthis is not a header\n" + theirs["%stdout"]
        assert theirs["%stdout"].count("padded to 32") == 32
        # (mine's %response names the script, as its error-log line does)
        mine["%response"] = mine["%response"].replace(ours.path("cgi-bin", "bad1k.py"), "")
        assert abs(sum(map(len, mine.values())) - sum(map(len, theirs.values()))) < 120
    finally:
        _stop([cgi, ours])


@pytest.mark.expect_log("CPPCGI0009", "malformed header from script 'bad1k.py'")
def test_the_log_fills_as_mod_cgis_does():
    # Each entry is about 1.4 KiB: both write entries until the file is
    # larger than 4000 bytes, the same number of them, then nothing more.
    cgi, ours = _pair("ScriptLog logs/cgi.log\nScriptLogLength 4000\n")
    try:
        sizes = []
        for srv in (cgi, ours):
            for _ in range(6):
                assert srv.get("/cgi-bin/bad1k.py")[0] == 500
            size = os.path.getsize(srv.path("logs", "cgi.log"))
            assert size > 4000
            assert srv.get("/cgi-bin/bad1k.py")[0] == 500
            assert os.path.getsize(srv.path("logs", "cgi.log")) == size  # nothing after the limit
            sizes.append((len(_entries(srv)), size))
        (theirs, their_size), (mine, my_size) = sizes
        assert mine == theirs == 3, sizes
        assert abs(my_size - their_size) < 4 * 120, sizes
    finally:
        _stop([cgi, ours])
