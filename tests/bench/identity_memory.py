#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What SuexecUserGroup identities cost under `CppCgiSuexec helpers`: one
Apache (event MPM) with N virtual hosts, each with its own user (made here,
removed after), each site's hello.sh requested once; then the memory of the
identity helpers (RSS and PSS, from smaps_rollup), their number, the parent's
open fds, and how long the start took, against the same server with no
identity. On 127.0.0.1 only; one request per site.

    python3 tests/bench/identity_memory.py --module build/mod_cppcgi.so --identities 100
"""

import argparse
import http.client
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from httpd_server import MODULES_DIR, HttpdServer  # noqa: E402

USER_PREFIX = "cppcgimem"
HELLO = "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nhello from %s\\n' \"$(id -u)\"\n"


def make_users(n):
    users = []
    for i in range(n):
        name = f"{USER_PREFIX}{i:04d}"
        if subprocess.run(["id", name], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                            "--shell", "/usr/sbin/nologin", name], check=True, capture_output=True)
        users.append(pwd.getpwnam(name))
    return users


def remove_users(users):
    for u in users:
        subprocess.run(["userdel", u.pw_name], capture_output=True)
        subprocess.run(["groupdel", u.pw_name], capture_output=True)


def make_sites(base, users):
    for u in users:
        d = os.path.join(base, u.pw_name, "cgi-bin")
        os.makedirs(d)
        path = os.path.join(d, "hello.sh")
        with open(path, "w") as f:
            f.write(HELLO)
        os.chmod(path, 0o755)
        for p in (path, d, os.path.dirname(d)):
            os.chown(p, u.pw_uid, u.pw_gid)


def server(module, base, users, per_identity):
    srv = HttpdServer(mpm="event", log_level="warn cppcgi:warn")
    srv.module_lines = [f'LoadModule cppcgi_module "{module}"',
                        f'LoadModule suexec_module "{MODULES_DIR}/mod_suexec.so"']
    conf = f'CppCgiSuexec helpers\n<Directory "{base}">\n  Require all granted\n</Directory>\n'
    if per_identity:
        conf += f"CppCgiSuexecHelpers {per_identity}\n"
    conf += f"<VirtualHost 127.0.0.1:{srv.port}>\n  ServerName localhost\n</VirtualHost>\n"
    for u in users:
        conf += (f"<VirtualHost 127.0.0.1:{srv.port}>\n  ServerName {u.pw_name}.test\n"
                 f"  SuexecUserGroup {u.pw_name} {u.pw_name}\n"
                 f'  ScriptAlias /cgi-bin/ "{base}/{u.pw_name}/cgi-bin/"\n</VirtualHost>\n')
    srv.extra_conf = conf
    return srv


def get(port, host, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("GET", path, headers={"Host": host})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def memory(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        fields = {line.split(":")[0]: int(line.split()[1]) for line in f if line.endswith("kB\n")}
    return fields["Rss"], fields["Pss"]


def uid_of(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Uid:"))


def measure(module, base, users, per_identity):
    srv = server(module, base, users, per_identity)
    began = time.monotonic()
    srv.start(timeout=120)
    started_s = time.monotonic() - began
    try:
        for u in users:
            status, body = get(srv.port, f"{u.pw_name}.test", "/cgi-bin/hello.sh")
            if status != 200 or body.decode().split()[-1] != str(u.pw_uid):
                raise RuntimeError(f"{u.pw_name}: {status} {body[:200]!r}")
        time.sleep(0.5)  # let each helper reap what it ran
        uids = {u.pw_uid for u in users}
        identity, own = [], []
        for pid in srv.helper_pids():
            (identity if uid_of(pid) in uids else own).append(memory(pid))
        fds = len(os.listdir(f"/proc/{srv.parent_pid}/fd"))
        parent = memory(srv.parent_pid)
    finally:
        srv.stop()
        srv.cleanup()
    return started_s, identity, own, fds, parent


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--module", default=os.environ.get("CPPCGI_MODULE"), required=not os.environ.get("CPPCGI_MODULE"))
    ap.add_argument("--identities", type=int, default=100, help="virtual hosts, each its own user (default 100)")
    ap.add_argument("--per-identity", type=int, default=0, help="CppCgiSuexecHelpers (default: the module's)")
    args = ap.parse_args()
    if not 1 <= args.identities <= 2000:
        ap.error("--identities takes 1 to 2000")
    users = make_users(args.identities)
    base = tempfile.mkdtemp(prefix="cppcgi-mem-", dir="/var/www")
    os.chmod(base, 0o755)
    try:
        make_sites(base, users)
        start0, _, own0, fds0, parent0 = measure(args.module, base, [], args.per_identity)
        start, identity, own, fds, parent = measure(args.module, base, users, args.per_identity)
    finally:
        shutil.rmtree(base, ignore_errors=True)
        remove_users(users)
    n = args.identities
    rss = sum(r for r, _ in identity) / 1024
    pss = sum(p for _, p in identity) / 1024
    print(f"| identities | identity helpers | their RSS MiB | their PSS MiB | PSS per identity MiB "
          f"| parent fds | parent PSS MiB | start s |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| 0 | 0 | | | | {fds0} | {parent0[1] / 1024:.1f} | {start0:.2f} |")
    print(f"| {n} | {len(identity)} | {rss:.0f} | {pss:.0f} | {pss / n:.2f} | {fds} | {parent[1] / 1024:.1f} "
          f"| {start:.2f} |")
    print(f"\nUser's own helpers: {len(own0)} (no identity), {len(own)} (with {n}); one identity helper: "
          f"RSS {min(r for r, _ in identity) / 1024:.1f}–{max(r for r, _ in identity) / 1024:.1f} MiB, "
          f"PSS {min(p for _, p in identity) / 1024:.2f}–{max(p for _, p in identity) / 1024:.2f} MiB")


if __name__ == "__main__":
    main()
