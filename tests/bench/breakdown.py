#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Where the CPU time of a CGI request goes, per component, on 127.0.0.1.

Starts one Apache (event MPM) with mod_cppcgi and drives, with wrk, a small
static file, the tiny C CGI (`hello`, as in bench.py) and the same response
without a C library (`null`), in interleaved rounds; then runs the spawn loop
(spawnloop.c) of each program alone. For each it prints the CPU time per
request of httpd's processes (user and system, helpers not included), of the
helpers themselves (their scripts not included) and of the whole machine
(everything but idle), and, if `perf` is installed, the system calls and
context switches per request in httpd. The difference between a CGI's httpd
row and the static file's is what httpd spends on a CGI request beyond
serving a file; a CGI's machine row against its spawn loop's is everything
mod_cppcgi, httpd and wrk add to running that CGI itself.

  python3 tests/bench/breakdown.py [--module build/mod_cppcgi.so] [--concurrency 8]
        [--seconds 5] [--rounds 3]
Needs wrk and a C compiler (tests/bench/run.sh installs them). Bounded: each
cell runs for --seconds."""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from httpd_server import HttpdServer  # noqa: E402
from bench import build_cgi  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
EVENT_MPM = "StartServers 2\nThreadsPerChild 25\nMaxRequestWorkers 100\nMinSpareThreads 25\nMaxSpareThreads 100"


def cpu_seconds(pids):
    """(user, system) CPU seconds of these processes, all their threads, not their children."""
    user = system = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            user += int(fields[11])
            system += int(fields[12])
        except (OSError, IndexError, ValueError):
            pass  # gone: a process that ended during the cell
    return user / TICK, system / TICK


def machine_busy():
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICK


def run_cell(srv, path, conc, seconds, use_perf):
    helpers = [str(p) for p in srv.helper_pids()]
    # httpd's parent and children (scripts running at this moment are not httpd)
    httpd = [str(srv.parent_pid)] + [str(p["pid"]) for p in srv.process_tree()
                                     if p["comm"] == "apache2" and str(p["pid"]) not in helpers]
    perf = None
    if use_perf:
        perf = subprocess.Popen(["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter,context-switches",
                                 "-p", ",".join(httpd), "--", "sleep", str(seconds)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    h0, k0, m0 = cpu_seconds(httpd), cpu_seconds(helpers), machine_busy()
    out = subprocess.run(["wrk", "-t", str(min(conc, 2)), "-c", str(conc), "-d", f"{seconds}s",
                          f"http://127.0.0.1:{srv.port}{path}"], capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    h1, k1, m1 = cpu_seconds(httpd), cpu_seconds(helpers), machine_busy()
    n = max(int(re.search(r"(\d+) requests in", out).group(1)), 1)
    row = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
           "httpd_user": (h1[0] - h0[0]) * 1000 / n, "httpd_sys": (h1[1] - h0[1]) * 1000 / n,
           "helpers": (sum(k1) - sum(k0)) * 1000 / n, "machine": (m1 - m0) * 1000 / n}
    if perf is not None:
        counts = {}
        for line in perf.communicate()[1].splitlines():
            parts = line.split(",")
            if len(parts) > 2 and parts[0].strip().isdigit():
                counts[parts[2]] = int(parts[0])
        # perf counted for `seconds` while wrk ran about as long: per request of wrk's count
        row["syscalls"] = counts.get("raw_syscalls:sys_enter", 0) / n
        row["switches"] = counts.get("context-switches", 0) / n
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--module", default=os.environ.get("CPPCGI_MODULE",
                                                       os.path.join(HERE, "..", "..", "build", "mod_cppcgi.so")))
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    use_perf = shutil.which("perf") is not None

    site = tempfile.mkdtemp(prefix="bench-breakdown-", dir="/tmp")
    os.chmod(site, 0o755)
    srv = HttpdServer(mpm="event", log_level="warn", module=os.path.abspath(args.module))
    try:
        cgi = srv.add_dir("cgi-bin")
        for program in ("hello", "null"):
            build_cgi(program, os.path.join(cgi, program))
            os.chmod(os.path.join(cgi, program), 0o755)
        spawnloop = os.path.join(site, "spawnloop")
        subprocess.run(["cc", "-O2", "-o", spawnloop, os.path.join(HERE, "spawnloop.c")], check=True)
        with open(os.path.join(srv.add_dir("htdocs"), "hello.txt"), "w") as f:
            f.write("Hello, World!\n")
        srv.mpm_conf = EVENT_MPM
        srv.extra_conf = f'ScriptAlias /cgi-bin/ "{srv.root}/cgi-bin/"\nKeepAlive On\n'
        srv.start()
        cells = {"static file": "/hello.txt", "CGI (hello)": "/cgi-bin/hello", "CGI (null)": "/cgi-bin/null"}
        results = {name: [] for name in cells}
        loops = {"hello": [], "null": []}
        for _ in range(args.rounds):
            for name, path in cells.items():
                results[name].append(run_cell(srv, path, args.concurrency, args.seconds, use_perf))
            for program, runs in loops.items():
                m0 = machine_busy()
                out = subprocess.run([spawnloop, os.path.join(cgi, program), str(args.concurrency), str(args.seconds)],
                                     capture_output=True, text=True, timeout=args.seconds + 60, check=True).stdout
                rate = float(out.strip())
                runs.append({"rps": rate, "machine": (machine_busy() - m0) * 1000 / max(rate * args.seconds, 1)})
    finally:
        srv.stop()
        srv.cleanup()
        shutil.rmtree(site, ignore_errors=True)

    med = lambda runs, k: statistics.median(r[k] for r in runs) if k in runs[0] else None  # noqa: E731
    fmt = lambda v, p=3: "" if v is None else f"{v:.{p}f}"  # noqa: E731
    print(f"\nCPU per request, ms (medians of {args.rounds} rounds, c={args.concurrency}, {args.seconds} s each)\n")
    print("| load | req/s | httpd user | httpd system | helpers | machine | httpd syscalls/req | httpd switches/req |")
    print("|---|---|---|---|---|---|---|---|")
    for name, runs in results.items():
        print(f"| {name} | {med(runs, 'rps'):.0f} | {fmt(med(runs, 'httpd_user'))} | {fmt(med(runs, 'httpd_sys'))} | "
              f"{fmt(med(runs, 'helpers'))} | {fmt(med(runs, 'machine'))} | {fmt(med(runs, 'syscalls'), 1)} | "
              f"{fmt(med(runs, 'switches'), 1)} |")
    for program, runs in loops.items():
        print(f"| spawn loop (posix_spawn + read + wait of {program}) | {med(runs, 'rps'):.0f} | | | | "
              f"{fmt(med(runs, 'machine'))} | | |")


if __name__ == "__main__":
    main()
