# SPDX-License-Identifier: Apache-2.0
"""The request path end to end: real Apache, real scripts, real HTTP."""

import hashlib
import os
import socket
import tempfile
import threading
import time

import pytest

from httpd_server import MODULE, MODULES_DIR
from waits import wait_script_running, wait_until

# --- the example site --------------------------------------------------------


@pytest.mark.smoke
@pytest.mark.external
def test_classic_hello_py(server):
    status, headers, body = server.get(server.example_prefix + "hello.py")
    assert status == 200
    assert headers["content-type"] == "text/html"
    assert b"<h3>Hello, World!</h3>" in body


@pytest.mark.smoke
@pytest.mark.external
def test_shell_script_and_query(server):
    status, headers, body = server.get(server.example_prefix + "hello.sh?x=1")
    assert status == 200
    assert headers["content-type"] == "text/plain"
    assert b"Hello from a shell script." in body
    assert b"Query string: x=1" in body


@pytest.mark.external
def test_form_handler_post(server):
    status, _, body = server.request(
        "POST", server.example_prefix + "form.py", body="name=Ada+%3Cb%3E",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    assert b"<h3>Hello, Ada &lt;b&gt;!</h3>" in body


# --- the pool: who runs what ---------------------------------------------------


@pytest.mark.smoke
def test_helpers_are_children_of_parent_and_run_as_user(server):
    helpers = server.helper_pids()
    assert len(helpers) == 2, server.process_tree()
    tree = {p["pid"]: p for p in server.process_tree()}
    for pid in helpers:
        assert tree[pid]["ppid"] == server.parent_pid
        assert tree[pid]["comm"] == "cppcgi-helper"
        if os.geteuid() == 0:
            assert tree[pid]["user"] == "www-data"
    # The script's parent is a helper, never an httpd worker.
    _, _, body = server.get("/cgi-bin/env.py")
    env = dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line)
    assert int(env["PPID"]) in helpers
    # Own process group, so that it can be ended as a whole; not its own
    # session (a new scheduler autogroup per script: see spawn.cc).
    assert env["PGID"] == env["PID"] != env["SID"]


@pytest.mark.smoke
def test_one_helper_runs_many_scripts_at_once(server):
    """Six scripts wait for each other; with two helpers that only ran one
    script at a time, none could see the other five."""
    d = tempfile.mkdtemp(prefix="rv-", dir=server.root)
    os.chmod(d, 0o777)
    n = 6
    results = [None] * n

    def hit(i):
        results[i] = server.get(f"/cgi-bin/rendezvous.py?{d},{n}", timeout=30)

    threads = [threading.Thread(target=hit, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for status, _, body in results:
        assert status == 200
        assert body.startswith(b"seen=%d" % n), body


def test_script_inherits_only_stdio(server):
    status, _, body = server.get("/cgi-bin/fds.py")
    assert status == 200
    assert body.strip() == b"LEAKED=", body


def test_environment_basics(server):
    status, _, body = server.get("/cgi-bin/env.py/extra/path?q=1", headers={"Proxy": "evil", "X-Dash": "2"})
    assert status == 200
    env = dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line)
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert env["SCRIPT_NAME"] == "/cgi-bin/env.py"
    assert env["PATH_INFO"] == "/extra/path"
    assert env["QUERY_STRING"] == "q=1"
    assert env["REQUEST_METHOD"] == "GET"
    assert env["HTTP_X_DASH"] == "2"
    assert "HTTP_PROXY" not in env  # httpoxy
    assert env["CWD"] == server.path("cgi-bin")


# --- bodies both ways ------------------------------------------------------------


@pytest.mark.smoke
def test_post_body_echoed_byte_exact(server):
    payload = os.urandom(1 << 20)
    status, _, body = server.request("POST", "/cgi-bin/echo.py", body=payload,
                                     headers={"Content-Type": "application/octet-stream"})
    assert status == 200
    assert body == payload


def test_one_mebibyte_response_byte_exact(server):
    status, _, body = server.get("/cgi-bin/bigout.py?1048576")
    assert status == 200
    block = bytes(range(256)) * 256
    assert body == (block * 16)


def test_full_duplex_script_writes_before_reading(server):
    payload = os.urandom(300000)
    start = time.time()
    status, _, body = server.request("POST", "/cgi-bin/write_then_read.py", body=payload, timeout=20)
    assert status == 200
    assert body.startswith(b"x" * 262144)
    assert body.endswith(b"read=%d sha256=%s\n" % (len(payload), hashlib.sha256(payload).hexdigest().encode()))
    assert time.time() - start < 15  # no stall until a timeout


# --- stderr -----------------------------------------------------------------------


@pytest.mark.smoke
@pytest.mark.expect_log("CPPCGI0001")
def test_stderr_lines_reach_error_log_with_request_context(server):
    mark = server.log_mark()
    status, _, body = server.get("/cgi-bin/stderr.sh")
    assert status == 200 and body == b"body\n"
    log = server.wait_for_log(mark, r"third without newline")
    lines = [l for l in log.splitlines() if "CPPCGI0001" in l]
    assert len(lines) == 3, log
    script = server.path("cgi-bin", "stderr.sh")
    for line, text in zip(lines, ["first stderr line", "second stderr line", "third without newline"]):
        assert "[cppcgi:error]" in line
        assert "[client 127.0.0.1:" in line
        assert line.endswith(f"stderr from {script}: {text}")


# --- mod_cgi's checks ----------------------------------------------------------------


@pytest.mark.smoke
def test_addhandler_with_execcgi(server):
    status, _, body = server.get("/exec/env.cgi")
    assert status == 200 and b"GATEWAY_INTERFACE=CGI/1.1" in body


@pytest.mark.expect_log("CPPCGI0002")
def test_execcgi_off_is_403(server):
    mark = server.log_mark()
    assert server.get("/noexec/env.cgi")[0] == 403
    server.wait_for_log(mark, r"CPPCGI0002: Options ExecCGI is off in this directory: .*/noexec/env\.cgi")


@pytest.mark.expect_log("CPPCGI0003")
def test_missing_script_is_404(server):
    mark = server.log_mark()
    assert server.get("/cgi-bin/nope.py")[0] == 404
    server.wait_for_log(mark, r"CPPCGI0003: script not found or unable to stat: .*/cgi-bin/nope\.py")


@pytest.mark.expect_log("CPPCGI0004")
def test_directory_is_403(server):
    mark = server.log_mark()
    assert server.get("/cgi-bin/a-directory/")[0] == 403
    server.wait_for_log(mark, r"CPPCGI0004: attempt to invoke directory as script")


@pytest.mark.expect_log("CPPCGI0005")
def test_acceptpathinfo_off_is_404(server):
    assert server.get("/nopathinfo/env.cgi")[0] == 200
    mark = server.log_mark()
    assert server.get("/nopathinfo/env.cgi/more")[0] == 404
    server.wait_for_log(mark, r"CPPCGI0005")


# --- what the script says ---------------------------------------------------------------


@pytest.mark.expect_log("CPPCGI0008")
def test_no_output_is_500_with_exit_status(server):
    mark = server.log_mark()
    assert server.get("/cgi-bin/noheaders.sh")[0] == 500
    server.wait_for_log(mark, r"CPPCGI0008: End of script output before headers: .*noheaders\.sh "
                              r"\(the script exited with status 3 without writing anything to stdout\)")


@pytest.mark.expect_log("CPPCGI0008")
def test_premature_end_of_headers_is_500(server):
    mark = server.log_mark()
    assert server.get("/cgi-bin/partial.sh")[0] == 500
    server.wait_for_log(mark, r"CPPCGI0008: Premature end of script headers: .*partial\.sh")


@pytest.mark.expect_log("CPPCGI0009")
def test_malformed_header_is_500(server):
    mark = server.log_mark()
    assert server.get("/cgi-bin/malformed.sh")[0] == 500
    server.wait_for_log(mark, r"CPPCGI0009: malformed header from script .*malformed\.sh: no colon in header line: "
                              r"this line has no colon")


def test_status_header(server):
    status, headers, body = server.get("/cgi-bin/status.sh")
    assert status == 418
    assert headers["x-script"] == "yes"
    assert body == b"teapot\n"


def test_local_redirect_runs_target_as_get(server):
    status, _, body = server.request("POST", "/cgi-bin/redirect_local.sh", body=b"a=1",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    assert b"REQUEST_METHOD=GET" in body
    assert b"QUERY_STRING=from=redirect" in body


def test_client_redirect_is_302(server):
    status, headers, _ = server.get("/cgi-bin/redirect_client.sh")
    assert status == 302
    assert headers["location"] == "http://example.invalid/elsewhere"


def test_nph_output_is_passed_unmodified(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /cgi-bin/nph-raw.sh HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert data == b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Nph: raw\r\nConnection: close\r\n\r\nnph body\n"


@pytest.mark.expect_log("CPPCGI0007")
def test_exec_failure_is_500_and_names_the_cause(server):
    # Passes every check (ELF magic, mode 0755) but the kernel cannot run it.
    p = server.write_script("cgi-bin/broken-elf.cgi", "\x7fELF garbage\n", mode=0o755)
    mark = server.log_mark()
    assert server.get("/cgi-bin/broken-elf.cgi")[0] == 500
    server.wait_for_log(mark, r"CPPCGI0007: exec of '%s' failed: \(8\) Exec format error" % p)


@pytest.mark.expect_log("CPPCGI0010")
def test_idle_timeout_before_headers_is_504(server):
    mark = server.log_mark()
    start = time.time()
    assert server.get("/slow/silent.sh")[0] == 504
    assert time.time() - start < 10
    server.wait_for_log(mark, r"CPPCGI0010: script .*silent\.sh \(pid \d+\) produced no output for 1000 ms")


# --- drop-in configuration -------------------------------------------------------------------


@pytest.mark.smoke
def test_ifmodule_mod_cgi_and_mod_cgid_guards_are_honoured(server):
    assert server.get("/guarded-cgi/env.py")[0] == 200
    assert server.get("/guarded-cgid/env.py")[0] == 200
    # The module identifiers, as LoadModule names them, too.
    assert server.get("/guarded-cgi-id/env.py")[0] == 200
    assert server.get("/guarded-cgid-id/env.py")[0] == 200
    assert server.get("/unguarded-cgid-id/env.py")[0] == 404


def _conf_with(server, module_lines):
    return server.config_text(module_lines=module_lines)


@pytest.mark.smoke
def test_config_test_passes(server):
    rc, out = server.config_test(server.config_text())
    assert rc == 0 and "Syntax OK" in out, out


@pytest.mark.parametrize("first,other", [(True, "cgid"), (False, "cgid"), (True, "cgi"), (False, "cgi")])
def test_loading_mod_cgi_or_cgid_too_is_refused(server, first, other):
    ours = f'LoadModule cppcgi_module "{MODULE}"'
    theirs = f'LoadModule {other}_module "{MODULES_DIR}/mod_{other}.so"'
    lines = [ours, theirs] if first else [theirs, ours]
    rc, out = server.config_test(server.config_text(module_lines=lines))
    assert rc != 0
    assert f"CPPCGI0200: mod_{other}.c is loaded together with mod_cppcgi" in out
    assert "a2dismod cgi cgid" in out


@pytest.mark.parametrize("line,needle", [
    ("CppCgiHelpers 0", "CppCgiHelpers: '0' is not accepted; expected a whole number from 1 to 64"),
    ("CppCgiHelpers many", "CppCgiHelpers: 'many' is not accepted"),
    ("CppCgiIdleTimeout -5", "CppCgiIdleTimeout: '-5' is not accepted; expected httpd's time syntax"),
    ("<Directory /tmp>\nCppCgiHelpers 4\n</Directory>", "CppCgiHelpers not allowed in <Directory> context"),
    ("<VirtualHost 127.0.0.1:1>\nCppCgiHelpers 4\n</VirtualHost>",
     "CppCgiHelpers cannot occur within <VirtualHost> section"),
    ("CppCgiSuexec setuid", "CppCgiSuexec: 'setuid' is not accepted; expected helpers (scripts of a SuexecUserGroup "
                            "identity run by helpers that run as it) or wrapper (through Apache's suEXEC wrapper, as "
                            "mod_cgi)"),
    ("<VirtualHost 127.0.0.1:1>\nCppCgiSuexec helpers\n</VirtualHost>",
     "CppCgiSuexec cannot occur within <VirtualHost> section"),
    ("CppCgiSuexecHelpers 65", "CppCgiSuexecHelpers: '65' is not accepted; expected a whole number from 1 to 64"),
    ("<VirtualHost 127.0.0.1:1>\nCppCgiSuexecHelpers 2\n</VirtualHost>",
     "CppCgiSuexecHelpers cannot occur within <VirtualHost> section"),    ("CppCgiPythonPreload Maybe", "CppCgiPythonPreload: 'Maybe' is not accepted; expected On or Off"),
    ("CppCgiPythonPreload Off json", "CppCgiPythonPreload: Off takes no module names ('json')"),
    ("CppCgiPythonPreload On json os.path bad-name", "CppCgiPythonPreload: 'bad-name' is not a Python module name"),
])
def test_bad_directive_values_are_refused_at_config_test(server, line, needle):
    rc, out = server.config_test(server.config_text() + line + "\n")
    assert rc != 0
    assert needle in out, out


# --- lifecycle ----------------------------------------------------------------------------------


def test_graceful_restart_keeps_in_flight_request(fresh_server):
    srv = fresh_server()
    srv.start()
    old_helpers = set(srv.helper_pids())
    result = {}

    def slow():
        result["r"] = srv.get("/cgi-bin/sleep.sh?2", timeout=30)

    t = threading.Thread(target=slow)
    t.start()
    wait_script_running(srv, "sleep.sh")
    mark = srv.log_mark()
    srv.signal("graceful")
    t.join(30)
    assert result["r"][0] == 200 and result["r"][2] == b"slept 2\n"
    # New generation answers; the old helpers finish and are reaped without complaint.
    wait_until(lambda: not old_helpers & {p["pid"] for p in srv.process_tree()})
    assert not old_helpers & {p["pid"] for p in srv.process_tree()}
    assert srv.get("/cgi-bin/env.py")[0] == 200
    new_helpers = set(srv.helper_pids())
    assert len(new_helpers) == 2 and not new_helpers & old_helpers
    log = srv.log_since(mark)
    assert "long lost child" not in log, log
    assert "CPPCGI0102" not in log, log


def test_stop_leaves_no_helper_or_script(fresh_server):
    srv = fresh_server()
    srv.start()
    t = threading.Thread(target=lambda: _ignore(srv.get, "/cgi-bin/sleep.sh?20", timeout=30))
    t.start()
    wait_script_running(srv, "sleep.sh")
    # The shell forks sleep(1) a moment after it starts: wait for the grandchild too.
    wait_until(lambda: any(p["comm"] == "sleep" for p in srv.process_tree()), 10, what="sleep(1) below sleep.sh")
    left = srv.stop()
    assert left == []
    t.join(30)


@pytest.mark.expect_log("CPPCGI0102")
def test_killed_helper_is_replaced(fresh_server):
    srv = fresh_server()
    srv.start()
    victim = srv.helper_pids()[0]
    mark = srv.log_mark()
    os.kill(victim, 9)
    srv.wait_for_log(mark, r"CPPCGI0102: helper %d was killed by signal 9" % victim)
    wait_until(lambda: len(srv.helper_pids()) == 2 and victim not in srv.helper_pids(), 5)
    assert len(srv.helper_pids()) == 2 and victim not in srv.helper_pids()
    assert srv.get("/cgi-bin/env.py")[0] == 200


def _ignore(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except OSError:
        pass


@pytest.mark.external
def test_example_form_get_shows_form(server):
    status, headers, body = server.get(server.example_prefix + "form.py")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b'<form method="post" action="form.py">' in body


@pytest.mark.parametrize("query,argv", [
    ("a+b+c", "a b c"),
    ("hello%20world+x%2By", "hello world x+y"),
    ("semi%3Bcolon+%24HOME", "semi\\;colon \\$HOME"),  # shell-escaped as httpd does
    ("a=b+c", ""),  # an '=' means a form query: no argv
    ("", ""),
])
def test_indexed_query_becomes_argv(server, query, argv):
    status, _, body = server.get("/cgi-bin/env.py" + ("?" + query if query else ""))
    assert status == 200
    env = dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line)
    assert env["ARGV"] == argv
    assert env["QUERY_STRING"] == query
