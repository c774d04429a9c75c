#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Soak test: mixed load on one Apache with mod_cppcgi while helpers are
killed and graceful restarts happen, then the books are checked.

    python3 tests/soak/soak.py [--seconds 300] [--mpm event] [--clients 6]

Needs a build (CPPCGI_MODULE, default build/mod_cppcgi.so) and root (the
server drops to www-data). Bounded: the load stops after --seconds, every
request has a 30 s timeout, and at most --clients requests are in flight.
The load mixes quick, slow, large-upload, large-download, failing and
timing-out scripts; every response is checked byte for byte. Every 5 s a
helper gets SIGKILL, every 12 s a graceful restart. Afterwards:
  - no unexplained failure (a request may fail only if a helper it could
    have been on was killed while it was in flight; none may fail because of
    a graceful restart);
  - no zombie and no process left below the helpers; nothing left after stop;
  - fd counts of workers and helpers no higher than after warm-up (sockets:
    but for one kept helper connection per worker thread); helper
    RSS under 4 MiB, worker RSS growth under 16 MiB;
  - no sanitizer report, crash or CPPCGI0014 in the error log.
Exit status 0 only if all of that holds. Prints a Markdown summary."""

import argparse
import collections
import http.client
import os
import random
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from httpd_server import SANITIZER, HttpdServer  # noqa: E402

SCRIPTS = os.path.join(HERE, "..", "integration", "scripts")
UPLOAD = os.urandom(256 * 1024)
PATTERN = (bytes(range(256)) * 256) * 16  # what bigout.py writes: 1 MiB
TINY_C = ('#include <unistd.h>\nint main(void){static const char m[]="Content-Type: text/plain\\n\\nok\\n";'
          'write(1,m,sizeof m-1);return 0;}\n')

# kind: (weight, method, path, body, expected status, expected body or None)
WORKLOADS = {
    "quick": (40, "GET", "/cgi-bin/tiny.cgi", None, 200, b"ok\n"),
    "slow": (8, "GET", "/cgi-bin/sleep.sh?1", None, 200, b"slept 1\n"),
    "upload": (10, "POST", "/cgi-bin/echo.py", UPLOAD, 200, UPLOAD),
    "download": (10, "GET", "/cgi-bin/bigout.py?1048576", None, 200, PATTERN),
    "failing": (10, "GET", "/cgi-bin/fails.sh", None, 500, None),
    "timeout": (4, "GET", "/idle/silent.sh", None, 504, None),
}

CONF = """
CppCgiHelpers 2
ScriptAlias /cgi-bin/ "{root}/cgi-bin/"
ScriptAlias /idle/ "{root}/idle/"
<Directory "{root}/idle">
  CppCgiIdleTimeout 1
</Directory>
"""


def proc_figures(srv, pid):
    """(fds other than sockets, sockets, threads, RSS kB) of a process, or None."""
    counts = srv._fd_count(pid)
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    except (OSError, StopIteration, ValueError):
        return None
    return None if counts is None else (*counts, rss)


FILES, SOCKETS, RSS, THREADS = 1, 2, 3, 4


def figures(srv):
    """Per role (workers, helpers): count, max fds other than sockets, max
    sockets, max RSS (kB), and all their threads."""
    helpers = set(srv.helper_pids())
    out = {"workers": [0, 0, 0, 0, 0], "helpers": [0, 0, 0, 0, 0]}
    for p in srv.process_tree():
        if p["ppid"] != srv.parent_pid or p["state"] == "Z":
            continue
        f = proc_figures(srv, p["pid"])
        if f is None:
            continue
        files, sockets, threads, rss = f
        row = out["helpers" if p["pid"] in helpers else "workers"]
        row[0] += 1
        row[FILES] = max(row[FILES], files)
        row[SOCKETS] = max(row[SOCKETS], sockets)
        row[RSS] = max(row[RSS], rss)
        row[THREADS] += threads
    return out


def fd_problems(before, after):
    """Fds other than sockets: none more than after warm-up. Sockets: a
    worker thread may keep one helper connection between requests, so a
    worker may hold one more per thread, a helper one more per worker thread."""
    problems = []
    allowed = {"workers": after["workers"][THREADS] // max(after["workers"][0], 1),
               "helpers": after["workers"][THREADS]}
    for role in ("workers", "helpers"):
        if after[role][FILES] > before[role][FILES]:
            problems.append(f"{role}: up to {after[role][FILES]} fds other than sockets after the soak, "
                            f"{before[role][FILES]} after warm-up")
        if after[role][SOCKETS] > before[role][SOCKETS] + allowed[role]:
            problems.append(f"{role}: up to {after[role][SOCKETS]} sockets after the soak, "
                            f"{before[role][SOCKETS]} after warm-up (+{allowed[role]} allowed)")
    return problems


class Soak:
    def __init__(self, srv, seconds, clients):
        self.srv, self.seconds, self.clients = srv, seconds, clients
        self.lock = threading.Lock()
        self.ok = collections.Counter()
        self.explained = collections.Counter()
        self.unexplained = []
        self.kills = []      # times of helper kills
        self.restarts = []   # times of graceful restarts
        self.stop = threading.Event()

    def request(self, kind):
        _, method, path, body, want_status, want_body = WORKLOADS[kind]
        start = time.time()
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
            c.request(method, path, body=body)
            r = c.getresponse()
            data = r.read()
            c.close()
            good = r.status == want_status and (want_body is None or data == want_body)
            what = f"{r.status}, {len(data)} bytes"
        except (OSError, http.client.HTTPException) as e:
            good, what = False, repr(e)
        end = time.time()
        with self.lock:
            if good:
                self.ok[kind] += 1
            elif any(start <= k <= end for k in self.kills):
                self.explained[kind] += 1
            else:
                self.unexplained.append((kind, what, round(start - self.t0, 2)))

    def client(self, seed):
        rng = random.Random(seed)
        kinds = list(WORKLOADS)
        weights = [WORKLOADS[k][0] for k in kinds]
        while not self.stop.is_set() and time.time() < self.deadline:
            self.request(rng.choices(kinds, weights)[0])

    def chaos(self):
        rng = random.Random(1)
        next_kill, next_restart = self.t0 + 5, self.t0 + 12
        while not self.stop.wait(0.2) and time.time() < self.deadline:
            now = time.time()
            if now >= next_kill:
                helpers = self.srv.helper_pids()
                if helpers:
                    with self.lock:
                        self.kills.append(time.time())
                    os.kill(rng.choice(helpers), 9)
                next_kill = now + 5
            if now >= next_restart:
                with self.lock:
                    self.restarts.append(time.time())
                self.srv.signal("graceful")
                next_restart = now + 12

    def run(self):
        self.t0 = time.time()
        self.deadline = self.t0 + self.seconds
        threads = [threading.Thread(target=self.client, args=(i,)) for i in range(self.clients)]
        threads.append(threading.Thread(target=self.chaos))
        for t in threads:
            t.start()
        for t in threads:
            t.join(self.seconds + 90)
        self.stop.set()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--mpm", default="event")
    ap.add_argument("--clients", type=int, default=6)
    args = ap.parse_args()
    if not 1 <= args.seconds <= 7200 or not 1 <= args.clients <= 64:
        ap.error("--seconds 1..7200, --clients 1..64")

    srv = HttpdServer(mpm=args.mpm)
    srv.add_dir("cgi-bin", SCRIPTS)
    srv.add_dir("idle", SCRIPTS)
    src = srv.path("tiny.c")
    with open(src, "w") as f:
        f.write(TINY_C)
    subprocess.run(["cc", "-O2", "-o", srv.path("cgi-bin", "tiny.cgi"), src], check=True)
    os.chmod(srv.path("cgi-bin", "tiny.cgi"), 0o755)
    srv.extra_conf = CONF.format(root=srv.root)
    srv.start()
    problems = []
    try:
        for kind in WORKLOADS:  # warm-up: every kind once, and every worker thread's lazy files
            for _ in range(3):
                Soak(srv, 1, 1).request(kind)
        time.sleep(1)
        before = figures(srv)
        soak = Soak(srv, args.seconds, args.clients)
        soak.run()
        time.sleep(2)
        problems += srv.invariant_problems({})
        # Settle: the last graceful restart's old workers finish, helpers replaced.
        deadline = time.time() + 10
        while True:
            after = figures(srv)
            if (after["helpers"][0] == 2 and not fd_problems(before, after)) or time.time() > deadline:
                break
            time.sleep(0.5)
    finally:
        left = srv.stop()
        log = srv.read_log()
        srv.cleanup()
    if left:
        problems.append(f"left running after stop: {left}")
    for line in log.splitlines():
        if SANITIZER.search(line) or "CPPCGI0014" in line or "AH00052" in line:
            problems.append("error log: " + line)
    if soak.unexplained:
        problems.append(f"{len(soak.unexplained)} unexplained failures: {soak.unexplained[:10]}")
    problems += fd_problems(before, after)
    if after["helpers"][RSS] > 4 * 1024:
        problems.append(f"a helper's RSS is {after['helpers'][RSS]} kB (limit 4 MiB)")
    if after["workers"][RSS] > before["workers"][RSS] + 16 * 1024:
        problems.append(f"worker RSS grew from {before['workers'][RSS]} to {after['workers'][RSS]} kB")

    total_ok = sum(soak.ok.values())
    ids = collections.Counter(i for line in log.splitlines() for i in re.findall(r"CPPCGI\d{4}", line))
    print(f"## Soak: {args.seconds} s, {args.clients} clients, MPM {args.mpm}\n")
    print("| Workload | OK | Failed while a helper was killed | Failed otherwise |")
    print("|---|---|---|---|")
    unexplained = collections.Counter(k for k, _, _ in soak.unexplained)
    for kind in WORKLOADS:
        print(f"| {kind} | {soak.ok[kind]} | {soak.explained[kind]} | {unexplained[kind]} |")
    print(f"| **all** | {total_ok} | {sum(soak.explained.values())} | {len(soak.unexplained)} |\n")
    print(f"Helpers killed: {len(soak.kills)}; graceful restarts: {len(soak.restarts)}.\n")
    print("| Processes | Count | Max fds (not sockets) | Max sockets | Max RSS (kB) |")
    print("|---|---|---|---|---|")
    for label, fig in (("workers, after warm-up", before["workers"]), ("workers, after the soak", after["workers"]),
                       ("helpers, after warm-up", before["helpers"]), ("helpers, after the soak", after["helpers"])):
        print(f"| {label} | {fig[0]} | {fig[FILES]} | {fig[SOCKETS]} | {fig[RSS]} |")
    print("\nError-log lines by id: " + ", ".join(f"{k} {v}" for k, v in sorted(ids.items())))
    if problems:
        print("\nFAILED:\n" + "\n".join("- " + p for p in problems))
        return 1
    print("\nOK: no unexplained failure, no zombie or survivor, flat fd counts, bounded RSS.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
