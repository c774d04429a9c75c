# SPDX-License-Identifier: Apache-2.0
"""The cppcgi-status handler (HTML, JSON, Prometheus) and the mod_status
section: a known sequence of requests, then exact counter values."""

import json
import os
import subprocess
import threading
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import missing_program
from waits import wait_until

# promtool, unpacked from Debian's prometheus package by tests/install-deps.sh (not installed: that
# would start a Prometheus server).
PROMTOOL = os.environ.get("CPPCGI_PROMTOOL", "/opt/cppcgi-test-tools/usr/bin/promtool")

STATUS_CONF = """
LoadModule status_module {modules}/mod_status.so
ExtendedStatus On
<Location /cppcgi-status>
  SetHandler cppcgi-status
  Require ip 127.0.0.1
</Location>
<Location /server-status>
  SetHandler server-status
  Require ip 127.0.0.1
</Location>
ScriptAlias /st-slow/ "{root}/st-slow/"
ScriptAlias /st-capped/ "{root}/st-capped/"
ScriptAlias /st-bad/ "{root}/st-bad/"
<Directory "{root}/st-slow">
  CppCgiIdleTimeout 1
</Directory>
<Directory "{root}/st-capped">
  CppCgiMaxScripts 1
</Directory>
"""


def _setup(srv):
    # Writable by others: refused by check CPPCGI0301 (403).
    srv.write_script("st-bad/gw.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nno\\n'\n", mode=0o757)
    os.chmod(srv.path("st-bad", "gw.sh"), 0o757)


@pytest.fixture(scope="module")
def status_server():
    from conftest import serve
    yield from serve(STATUS_CONF, script_dirs=("st-slow", "st-capped"), empty_dirs=("st-bad",), setup=_setup)


def _json(srv):
    status, headers, body = srv.get("/cppcgi-status?json")
    assert status == 200 and headers["content-type"] == "application/json"
    return json.loads(body)


def _settled(srv, timeout=10):
    """The status once no script runs (reaping follows the response)."""
    docs = []
    wait_until(lambda: docs.append(_json(srv)) or docs[-1]["scripts_running"] == 0, timeout, interval=0.1)
    return docs[-1]


def _families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def _value(families, name, sample_name=None, **labels):
    fam = families[name]
    for s in fam.samples:
        if s.name == (sample_name or name) and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    raise KeyError((name, sample_name, labels))


@pytest.mark.expect_log("CPPCGI0010", "CPPCGI0018", "CPPCGI0301")
def test_known_sequence_gives_exact_counts(status_server):
    srv = status_server
    for _ in range(3):
        assert srv.get("/cgi-bin/env.py")[0] == 200
    assert srv.get("/st-bad/gw.sh")[0] == 403
    assert srv.get("/st-slow/silent.sh")[0] == 504
    _settled(srv)  # silent.sh is reaped after its 504 went out
    holder = []
    t = threading.Thread(target=lambda: holder.append(srv.get("/st-capped/sleep.sh?2", timeout=30)))
    t.start()
    wait_until(lambda: any(r["request"] == "GET /st-capped/sleep.sh?2" for r in _json(srv)["running"]))
    assert srv.get("/st-capped/env.py")[0] == 503
    t.join(30)
    assert holder and holder[0][0] == 200

    doc = _settled(srv)
    assert doc["scripts_started"] == 5  # 3 env.py, silent.sh, sleep.sh
    assert doc["exits"] == {"success": 4, "error": 0, "signal": 1}  # silent.sh got SIGTERM
    assert doc["check_refusals"]["writable_by_others"] == 1
    assert sum(doc["check_refusals"].values()) == 1
    assert doc["timeouts"] == {"idle": 1, "run_time": 0}
    assert doc["cap_rejections"] == 1
    assert doc["client_disconnects"] == 0
    assert doc["helper_restarts"] == 0
    assert set(doc["failures"].values()) == {0}
    assert doc["helpers_alive"] == 2
    assert doc["scripts_running"] == 0 and doc["running"] == []
    assert doc["script_duration_seconds"]["count"] == 5
    assert doc["script_duration_seconds"]["sum"] >= 3.0  # sleep.sh 2 s + silent.sh 1 s

    status, headers, body = srv.get("/cppcgi-status?metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    fams = _families(body.decode())
    assert _value(fams, "cppcgi_scripts_started", "cppcgi_scripts_started_total") == 5
    assert _value(fams, "cppcgi_script_exits", "cppcgi_script_exits_total", outcome="success") == 4
    assert _value(fams, "cppcgi_script_exits", "cppcgi_script_exits_total", outcome="signal") == 1
    assert _value(fams, "cppcgi_check_refusals", "cppcgi_check_refusals_total", check="writable_by_others") == 1
    assert _value(fams, "cppcgi_timeouts", "cppcgi_timeouts_total", kind="idle") == 1
    assert _value(fams, "cppcgi_cap_rejections", "cppcgi_cap_rejections_total") == 1
    assert _value(fams, "cppcgi_helpers_alive") == 2
    assert _value(fams, "cppcgi_scripts_running") == 0
    assert fams["cppcgi_script_duration_seconds"].type == "histogram"
    assert _value(fams, "cppcgi_script_duration_seconds", "cppcgi_script_duration_seconds_count") == 5
    assert _value(fams, "cppcgi_script_duration_seconds", "cppcgi_script_duration_seconds_bucket", le="+Inf") == 5
    # The idle timeout needs at least 1 s: nothing of it can be in the sub-second buckets.
    assert _value(fams, "cppcgi_script_duration_seconds", "cppcgi_script_duration_seconds_bucket", le="0.5") <= 3
    # Prometheus's own linter (promtool, from Debian's prometheus package) finds nothing to say.
    if not os.path.exists(PROMTOOL):
        missing_program(f"{PROMTOOL} (tests/install-deps.sh unpacks it)")
    lint = subprocess.run([PROMTOOL, "check", "metrics"], input=body, capture_output=True, timeout=30)
    assert lint.returncode == 0 and not lint.stdout.strip() and not lint.stderr.strip(), lint


def test_prometheus_by_accept_header(status_server):
    # What a Prometheus server sends.
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
    status, headers, body = status_server.get("/cppcgi-status", headers={"Accept": accept})
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "cppcgi_scripts_started" in _families(body.decode())


def test_html_lists_a_running_script(status_server):
    srv = status_server
    t = threading.Thread(target=lambda: srv.get("/cgi-bin/sleep.sh?2", timeout=30))
    t.start()
    try:
        def page_listing_it():
            status, headers, body = srv.get("/cppcgi-status")
            assert status == 200 and headers["content-type"].startswith("text/html")
            return body.decode() if "GET /cgi-bin/sleep.sh?2" in body.decode() else None
        page = wait_until(page_listing_it, 5) or ""
        assert '<table id="cppcgi-running"' in page
        assert "<td>GET /cgi-bin/sleep.sh?2</td><td>127.0.0.1</td>" in page
        running = _json(srv)["running"]
        assert len(running) == 1 and running[0]["request"] == "GET /cgi-bin/sleep.sh?2"
        assert running[0]["helper"] in srv.helper_pids()
        assert os.path.exists(f"/proc/{running[0]['pid']}")
    finally:
        t.join(30)


def test_mod_status_gets_a_section(status_server):
    srv = status_server
    status, _, body = srv.get("/server-status")
    assert status == 200
    assert "<h2>mod_cppcgi</h2>" in body.decode()
    status, _, body = srv.get("/server-status?auto")
    lines = dict(line.split(": ", 1) for line in body.decode().splitlines() if line.startswith("CppCgi"))
    assert int(lines["CppCgiHelpersAlive"]) == 2
    assert int(lines["CppCgiScriptsStarted"]) >= 1


def test_status_handler_refuses_other_methods(status_server):
    status, headers, _ = status_server.request("POST", "/cppcgi-status", body=b"x")
    assert status == 405
    assert "GET" in headers.get("allow", "")


def test_counters_survive_graceful_restart(status_server):
    srv = status_server
    before = _settled(srv)["scripts_started"]
    mark = srv.log_mark()
    srv.signal("graceful")
    srv.wait_for_log(mark, r"resuming normal operations")
    assert srv.get("/cgi-bin/env.py")[0] == 200
    assert _settled(srv)["scripts_started"] == before + 1
