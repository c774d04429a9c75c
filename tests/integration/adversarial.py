# SPDX-License-Identifier: Apache-2.0
"""What the hostile-scenario tests (test_adversarial*.py) share: the server
they run against (ADV_CONF, served by conftest.py's `adv` fixture, one per
test module), script headers, and the one-log-line assertion."""

import re
import socket

import httpd_server
from httpd_server import read_to_eof
from waits import wait_until

ADV_CONF = """
ScriptAlias /adv/ "{root}/adv/"
ScriptAlias /adv-nproc/ "{root}/adv-nproc/"
ScriptAlias /adv-mem/ "{root}/adv-mem/"
ScriptAlias /adv-drain/ "{root}/adv-drain/"
<Directory "{root}/adv">
  CppCgiIdleTimeout 2
</Directory>
<Directory "{root}/adv-nproc">
  CppCgiIdleTimeout 2
  RLimitNPROC 60 60
</Directory>
# Room for a slow host between the output and the exit report (C6 checks the 1 s drain, not the timeout).
<Directory "{root}/adv-drain">
  CppCgiIdleTimeout 20
</Directory>
<Directory "{root}/adv-mem">
  RLimitMEM 200000000 200000000
</Directory>
LimitInternalRecursion 10
"""
ADV_DIRS = ("adv", "adv-nproc", "adv-mem", "adv-drain")

SH = "#!/bin/sh\n"
PY = "#!/usr/bin/python3\nimport sys, os\nout = sys.stdout.buffer\n"


def raw(data):
    """A python script writing exactly these bytes to stdout."""
    return PY + f"out.write({data!r})\n"


def one_log_line(srv, mark, log_id, pattern="", timeout=10):
    """Exactly one line with `log_id` (matching `pattern`) after `mark`."""
    httpd_server.expect_ids(log_id)
    rx = re.compile(log_id + r": .*" + pattern)
    lines = wait_until(lambda: [line for line in srv.log_since(mark).splitlines() if rx.search(line)], timeout)
    assert len(lines) == 1, (log_id, pattern, srv.log_since(mark))
    return lines[0]


def run_case(srv, name, script, path_suffix="", method="GET", body=None, headers=None, timeout=30):
    srv.write_script(f"adv/{name}", script)
    return srv.request(method, f"/adv/{name}{path_suffix}", body=body, headers=headers, timeout=timeout)


ENV_DUMP = PY + """keys = sorted(os.environ)
out.write(b'Content-Type: text/plain\\n\\n' + '\\n'.join(k + '=' + os.environ[k] for k in keys).encode())
"""


def parse_env(body):
    return dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line)


def raw_exchange(srv, data, timeout=10):
    """Sends raw bytes to the server and returns all it answers until it closes."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    s.sendall(data)
    out = read_to_eof(s)
    s.close()
    return out
