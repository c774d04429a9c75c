# SPDX-License-Identifier: Apache-2.0
"""CppCgiPythonPreload and a preloaded module updated on disk (a package
upgrade, a deploy): warm scripts keep the version their warm process
imported until that process is replaced, and get the new one at once after
`apachectl -k graceful` (README, Warm Python)."""

import os

from waits import wait_until

MODULE = "cppcgi_preload_probe"

SCRIPT = f'''#!/usr/bin/python3
import {MODULE}
print("Content-Type: text/plain\\n")
print({MODULE}.VERSION)
'''


def _write(path, text, mode):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def _answer(srv):
    """(body, how the script started) of one request, how from the access log."""
    log = srv.path("logs", "pm.log")
    seen = len(open(log).read().splitlines()) if os.path.exists(log) else 0
    status, _, body = srv.request("GET", "/pm/version.py")
    assert status == 200, body
    lines = wait_until(lambda: os.path.exists(log) and open(log).read().splitlines()[seen:],
                       what="the access-log line")
    return body.decode().strip(), lines[0].split()[0]


def _warm_answer(srv):
    """The body of a request that started warm (each helper starts its own warm process)."""
    return wait_until(lambda: (lambda got: got[1] == "warm" and got[0])(_answer(srv)), timeout=20,
                      what="a request that started warm")


def test_a_preloaded_module_updated_on_disk_is_used_after_a_graceful_restart(fresh_server):
    srv = fresh_server()
    scripts, lib = srv.add_dir("pm"), srv.add_dir("pmlib")
    module = os.path.join(lib, MODULE + ".py")
    _write(module, 'VERSION = "first"\n', 0o644)
    _write(os.path.join(scripts, "version.py"), SCRIPT, 0o755)
    srv.extra_conf += f'''
ScriptAlias /pm/ "{scripts}/"
<Location /pm/>
  SetEnv PYTHONPATH {lib}
  CppCgiPythonPreload On {MODULE}
</Location>
LogFormat "%{{cppcgi-python}}n %U" pm
CustomLog "{srv.path("logs", "pm.log")}" pm
'''
    srv.start()
    assert _warm_answer(srv) == "first"
    old = {p["pid"] for p in srv.warm_pythons()}
    assert old

    _write(module, 'VERSION = "second"\n', 0o644)
    assert _warm_answer(srv) == "first", "a warm process keeps what it imported"

    srv.signal("graceful")
    wait_until(lambda: not old & {p["pid"] for p in srv.warm_pythons()}, timeout=20,
               what="the old helpers' warm processes to end")
    assert _warm_answer(srv) == "second"
