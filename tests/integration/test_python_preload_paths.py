# SPDX-License-Identifier: Apache-2.0
"""CppCgiPythonPreload and a script reached through a symbolic link: as with
python3, sys.path[0] is the directory of the file the link resolves to, so
a script imports its real directory's modules the same warm as cold."""

import os

from waits import wait_until

SCRIPT = '''#!/usr/bin/python3
import sys, sibling
print("Content-Type: text/plain\\n")
print(sys.path[0], sibling.WHERE, __file__.rpartition("/")[2])
'''


def _answer(srv, prefix):
    """(body, how the script started) of one request, how from the access log."""
    log = srv.path("logs", "pl.log")
    seen = len(open(log).read().splitlines()) if os.path.exists(log) else 0
    status, _, body = srv.request("GET", f"/{prefix}/linked.py")
    assert status == 200, body
    lines = wait_until(lambda: os.path.exists(log) and open(log).read().splitlines()[seen:],
                       what="the access-log line")
    return body.decode().strip(), lines[0].split()[0]


def test_a_linked_script_finds_its_real_directory_warm_as_cold(fresh_server):
    srv = fresh_server()
    scripts, real = srv.add_dir("pl"), srv.add_dir("plreal")
    with open(os.path.join(real, "where.py"), "w") as f:
        f.write(SCRIPT)
    os.chmod(os.path.join(real, "where.py"), 0o755)
    with open(os.path.join(real, "sibling.py"), "w") as f:
        f.write(f'WHERE = "beside the real file in {real}"\n')
    os.symlink(os.path.join(real, "where.py"), os.path.join(scripts, "linked.py"))
    srv.extra_conf += f'''
ScriptAlias /plc/ "{scripts}/"
ScriptAlias /plw/ "{scripts}/"
<Location /plw/>
  CppCgiPythonPreload On
</Location>
LogFormat "%{{cppcgi-python}}n %U" pl
CustomLog "{srv.path("logs", "pl.log")}" pl
'''
    srv.start()
    cold = _answer(srv, "plc")
    assert cold == (f"{real} beside the real file in {real} linked.py", "-")
    warm = wait_until(lambda: (lambda got: got[1] == "warm" and got)(_answer(srv, "plw")), timeout=20,
                      what="a request that started warm")
    assert warm[0] == cold[0]
