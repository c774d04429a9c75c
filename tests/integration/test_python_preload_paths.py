# SPDX-License-Identifier: Apache-2.0
"""CppCgiPythonPreload and where a script's modules come from and go:
- a script reached through a symbolic link: as with python3, sys.path[0] is
  the directory of the file the link resolves to, so the script imports its
  real directory's modules the same warm as cold;
- a script that removes a module python3 had imported at start-up from
  sys.modules and then imports its own: at its end, its own module is still
  emptied as python3's exit empties it (an unclosed file in it is written)."""

import os

import pytest

from httpd_server import shared_dir
from waits import wait_until

WHERE = '''#!/usr/bin/python3
import sys, sibling
print("Content-Type: text/plain\\n")
print(sys.path[0], sibling.WHERE, __file__.rpartition("/")[2])
'''

DROPS = '''#!/usr/bin/python3
import sys
del sys.modules["stat"]  # imported at start-up (by os)
import keeper
print("Content-Type: text/plain\\n")
print("kept", keeper.log.name)
'''

KEEPER = '''import os
log = open(os.environ["QUERY_STRING"], "w")  # never closed: written when the interpreter ends
log.write("written at the end")
'''


@pytest.fixture(scope="module")
def pl():
    from conftest import serve

    def setup(srv):
        scripts, real = srv.add_dir("pl"), srv.add_dir("plreal")
        for directory, name, text, mode in ((real, "where.py", WHERE, 0o755),
                                            (real, "sibling.py", f'WHERE = "beside the real file in {real}"\n', 0o644),
                                            (scripts, "drops.py", DROPS, 0o755), (scripts, "keeper.py", KEEPER, 0o644)):
            with open(os.path.join(directory, name), "w") as f:
                f.write(text)
            os.chmod(os.path.join(directory, name), mode)
        os.symlink(os.path.join(real, "where.py"), os.path.join(scripts, "linked.py"))
        srv.real_dir = real

    yield from serve('''
ScriptAlias /plc/ "{root}/pl/"
ScriptAlias /plw/ "{root}/pl/"
<Location /plw/>
  CppCgiPythonPreload On
</Location>
LogFormat "%{{cppcgi-python}}n %U" pl
CustomLog "{root}/logs/pl.log" pl
''', setup=setup)


def _answer(srv, url):
    """(body, how the script started) of one request, how from the access log."""
    log = srv.path("logs", "pl.log")
    seen = len(open(log).read().splitlines()) if os.path.exists(log) else 0
    status, _, body = srv.request("GET", url)
    assert status == 200, body
    lines = wait_until(lambda: os.path.exists(log) and open(log).read().splitlines()[seen:],
                       what="the access-log line")
    return body.decode().strip(), lines[0].split()[0]


def _cold_and_warm(srv, name, query=lambda attempt: ""):
    """The answers of /plc/name and of the first /plw/name that started warm."""
    cold = _answer(srv, f"/plc/{name}?{query('cold')}")
    assert cold[1] == "-"
    for attempt in range(20):
        warm = _answer(srv, f"/plw/{name}?{query(attempt)}")
        if warm[1] == "warm":
            return cold[0], warm[0]
    pytest.fail(f"/plw/{name} never started warm")


def test_a_linked_script_finds_its_real_directory_warm_as_cold(pl):
    cold, warm = _cold_and_warm(pl, "linked.py")
    assert cold == f"{pl.real_dir} beside the real file in {pl.real_dir} linked.py"
    assert warm == cold


def test_a_script_that_drops_a_start_up_module_still_has_its_own_emptied(pl):
    d = shared_dir(pl)
    cold, warm = _cold_and_warm(pl, "drops.py", lambda attempt: os.path.join(d, f"log-{attempt}"))
    for answer in (cold, warm):
        path = answer.split()[-1]
        assert wait_until(lambda: os.path.exists(path) and open(path).read(),
                          what=f"{path} written at the script's end") == "written at the end"
