#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mod_cppcgi against mod_cgid (and mod_cgi, lighttpd, nginx+fcgiwrap, and the
machine's spawn ceiling), on 127.0.0.1, in one run, interleaved in rounds
(A B C ... A B C ...). Prints a Markdown table with requests/s, p50/p99
latency, server CPU per request and each server's ratio to mod_cgid and to
the spawn ceiling. Every load is bounded: wrk runs for --seconds per cell.

Run through tests/bench/run.sh (installs wrk, lighttpd, nginx, fcgiwrap)."""

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from httpd_server import MODULES_DIR  # noqa: E402
from servers import Apache, Lighttpd, NginxFcgiwrap  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
WORKLOADS = {
    "hello": ("hello", None),              # tiny C CGI, short text response
    "null": ("null", None),                # the same response without a C library: the server's own cost
    "sh": ("hello.sh", None),              # /bin/sh script
    "py": ("hello.py", None),              # python3 script
    "echo64k": ("echo", 64 * 1024),        # 64 KiB POST echoed back
    "big": ("big", None),                  # 1 MiB response
    "sendfile": ("sendfile", None),        # the same 1 MiB, as a file named by X-Sendfile (mod_cppcgi only)
}
SPAWN_CEILING = ("hello", "null")
# The servers' names, as the table gives them and the ratios and targets look them up.
OURS = "Apache event + mod_cppcgi"
BASELINE = "Apache event + mod_cppcgi (baseline)"
CGID = "Apache event + mod_cgid"  # workloads measured against a bare posix_spawn loop of the same program
IDENTITY = "Apache event + mod_cppcgi, SuexecUserGroup, CppCgiSuexec helpers"
WRAPPER = "Apache event + mod_cppcgi, SuexecUserGroup, suEXEC wrapper"
WARM = "Apache event + mod_cppcgi, CppCgiPythonPreload On"
BENCH_USER = "cppcgibench"  # the SuexecUserGroup identity of the two suEXEC servers (made, then removed)


def build_cgi(name, out, site=None):
    """Compiles one of the C workloads to out: hello, echo, big or sendfile (workloads.c), or null (nolibc_hello.c)."""
    if name == "sendfile":
        cmd = ["cc", "-O2", "-static", "-DSENDFILE", f'-DSENDFILE_PATH="{site}/htdocs/big.bin"', "-o", out,
               os.path.join(HERE, "workloads.c")]
    elif name == "null":
        cmd = ["cc", "-O2", "-static", "-nostdlib", "-ffreestanding", "-fno-stack-protector", "-o", out,
               os.path.join(HERE, "nolibc_hello.c")]
    else:
        cmd = ["cc", "-O2", "-static", f"-D{name.upper()}", "-o", out, os.path.join(HERE, "workloads.c")]
    subprocess.run(cmd, check=True)


def build_workloads(d):
    cgi = os.path.join(d, "cgi-bin")
    os.makedirs(cgi, mode=0o755)
    os.makedirs(os.path.join(d, "htdocs"), mode=0o755)
    for name in ("hello", "echo", "big", "null", "sendfile"):
        build_cgi(name, os.path.join(cgi, name), d)
    with open(os.path.join(d, "htdocs", "big.bin"), "wb") as f:
        f.write(b"x" * (1 << 20))
    with open(os.path.join(cgi, "hello.sh"), "w") as f:
        f.write("#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nHello, World!\\n'\n")
    with open(os.path.join(cgi, "hello.py"), "w") as f:
        f.write("#!/usr/bin/python3\nprint('Content-Type: text/plain')\nprint()\nprint('Hello, World!')\n")
    for name in os.listdir(cgi):
        os.chmod(os.path.join(cgi, name), 0o755)
    subprocess.run(["cc", "-O2", "-o", os.path.join(d, "spawnloop"), os.path.join(HERE, "spawnloop.c")], check=True)
    with open(os.path.join(d, "post.lua"), "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = string.rep("x", 65536)\n'
                'wrk.headers["Content-Type"] = "application/octet-stream"\n')


def suexec_site(site):
    """The workloads again, under the suEXEC wrapper's document root and owned
    by BENCH_USER (made here): what a SuexecUserGroup site looks like."""
    if subprocess.run(["id", BENCH_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", BENCH_USER], check=True, capture_output=True)
    d = tempfile.mkdtemp(prefix="cppcgi-bench-", dir="/var/www")
    os.chmod(d, 0o755)
    shutil.copytree(os.path.join(site, "cgi-bin"), os.path.join(d, "cgi-bin"))
    subprocess.run(["chown", "-R", f"{BENCH_USER}:{BENCH_USER}", d], check=True)
    return d


def busy_cpu_seconds():
    """Machine-wide busy CPU time (everything but idle and iowait), in seconds.
    Per-process accounting would miss scripts reaped by a parent that ignores
    SIGCHLD (mod_cgid's daemon, fcgiwrap): their CPU time is never added to
    anyone's. So server CPU = machine busy time during a cell - wrk's own."""
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICK


def parse_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    v = float(m.group(1))
    return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v


def run_wrk(port, workload, conc, seconds, lua):
    path, body = WORKLOADS[workload]
    cmd = ["wrk", "-t", str(min(conc, 2)), "-c", str(conc), "-d", f"{seconds}s", "--latency", "--timeout", "10s"]
    if body:
        cmd += ["-s", lua]
    before = busy_cpu_seconds()
    proc = subprocess.Popen(cmd + [f"http://127.0.0.1:{port}/cgi-bin/{path}"], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    busy = busy_cpu_seconds() - before
    wrk_cpu = usage.ru_utime + usage.ru_stime
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock_err = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "requests": total, "p50": parse_ms(lat["50"]), "p99": parse_ms(lat["99"]),
            "cpu_ms": max(busy - wrk_cpu, 0) * 1000 / max(total, 1),
            "errors": int(errors.group(1)) if errors else 0, "socket_errors": sock_err.group(1) if sock_err else ""}


def spawn_ceiling(site, program, workers, seconds):
    out = subprocess.run([os.path.join(site, "spawnloop"), os.path.join(site, "cgi-bin", program), str(workers),
                          str(seconds)], capture_output=True, text=True, timeout=seconds + 60, check=True)
    return float(out.stdout.strip())


def warm_ceiling(site, program, workers, seconds):
    """warmloop.py: a started python3 that forks per request (CppCgiPythonPreload's bound)."""
    out = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "warmloop.py"), os.path.join(site, "cgi-bin", program),
                          str(workers), str(seconds)], capture_output=True, text=True, timeout=seconds + 60, check=True)
    return float(out.stdout.strip())


def ceiling_ratio(ceiling_runs, cgid_runs):
    """The spawn ceiling's req/s over mod_cgid's, the median of the rounds' ratios (None without mod_cgid)."""
    if not cgid_runs:
        return None
    return statistics.median(c / x["rps"] for c, x in zip(ceiling_runs, cgid_runs))


def ratio_to(runs, refs):
    """The median of the per-round ratios of runs' req/s to refs' (None without refs)."""
    if not runs or not refs:
        return None
    return statistics.median(r["rps"] / x["rps"] for r, x in zip(runs, refs))


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def ceiling_share(runs, ceiling_runs):
    """A server's median req/s over the spawn ceiling's median."""
    return median_of(runs, "rps") / statistics.median(ceiling_runs)


def target_lines(results, ceilings, bounds, helper_memory, warm_ceilings):
    """Issues 8's and 27's targets, each with what this run measured and whether
    it held; a ratio to mod_cgid comes with the ceiling's own ratio, its bound."""
    ours, cgid = OURS, CGID
    others = (Lighttpd.name, NginxFcgiwrap.name)
    lines = []

    def verdict(ok):
        return "met" if ok else "NOT met"

    for c, want in ((1, 3.0), (8, 2.0), (32, 2.0)):
        ratio = ratio_to(results.get((ours, "hello", c)), results.get((cgid, "hello", c)))
        if ratio is not None:
            bound = bounds.get(("hello", c))
            lines.append(f"hello c={c} ≥ {want:.0f}× mod_cgid: {ratio:.2f}× ({verdict(ratio >= want)})"
                         + ("" if bound is None else f"; the spawn ceiling itself: {bound:.2f}×"))
    for (name, workload, c), runs in sorted(results.items()):
        if name in others and workload == "hello" and (ours, workload, c) in results:
            mine, theirs = median_of(results[(ours, workload, c)], "rps"), median_of(runs, "rps")
            lines.append(f"hello c={c} ahead of {name}: {mine:.0f} against {theirs:.0f} req/s "
                         f"({verdict(mine > theirs)})")
    if (ours, "hello", 8) in results and ("hello", 8) in ceilings:
        share = ceiling_share(results[(ours, "hello", 8)], ceilings[("hello", 8)])
        lines.append(f"hello c=8 ≥ 0.70 of the spawn ceiling: {share:.2f} ({verdict(share >= 0.70)})")
    cpu = [median_of(runs, "cpu_ms") for (name, workload, _), runs in results.items()
           if name == ours and workload == "hello"]
    if cpu:
        lines.append(f"hello server CPU ≤ 0.60 ms per request: {min(cpu):.2f}–{max(cpu):.2f} ms "
                     f"({verdict(max(cpu) <= 0.60)})")
    for c in (1, 8, 32):
        ratio = ratio_to(results.get((ours, "big", c)), results.get((cgid, "big", c)))
        if ratio is not None:
            lines.append(f"big c={c} ≥ 1.3× mod_cgid: {ratio:.2f}× ({verdict(ratio >= 1.3)})")
    if (ours, "big", 32) in results and (cgid, "big", 32) in results:
        mine, theirs = median_of(results[(ours, "big", 32)], "p99"), median_of(results[(cgid, "big", 32)], "p99")
        lines.append(f"big c=32 p99 no worse than mod_cgid's: {mine:.1f} against {theirs:.1f} ms "
                     f"({verdict(mine <= theirs)})")
    if helper_memory:
        rss = max(r for r, _ in helper_memory) / 1024
        lines.append(f"helper RSS ≤ 4 MiB: {rss:.1f} MiB ({verdict(rss <= 4)})")
    for c in (1, 8):
        warm, refs, ceiling = results.get((WARM, "py", c)), results.get((cgid, "py", c)), warm_ceilings.get(("py", c))
        ratio = ratio_to(warm, refs)
        if ratio is not None:
            line = f"py c={c} with CppCgiPythonPreload ≥ 4× mod_cgid: {ratio:.2f}× ({verdict(ratio >= 4)})"
            if ceiling:
                line += (f"; the warm ceiling itself: {ceiling_ratio(ceiling, refs):.2f}×, "
                         f"the warm path {ceiling_share(warm, ceiling):.2f} of it")
            lines.append(line)
    return lines


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=5, help="wrk duration per cell (default 5)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--workloads", default="hello,null,sh,py,echo64k,big")
    ap.add_argument("--servers", default="cppcgi,cppcgi-warm,cgid,cgi-prefork,lighttpd,nginx-fcgiwrap")
    ap.add_argument("--module", default=os.environ.get("CPPCGI_MODULE"))
    ap.add_argument("--baseline", help="another build of mod_cppcgi.so (say, before a change), run beside --module "
                                       "in the same rounds; the per-round ratios between the two are printed")
    args = ap.parse_args()
    concs = [int(c) for c in args.concurrency.split(",")]
    workloads = args.workloads.split(",")

    site = tempfile.mkdtemp(prefix="bench-site-", dir="/tmp")
    os.chmod(site, 0o755)
    build_workloads(site)
    suexec_dirs = []

    def suexec_cgi():
        if not suexec_dirs:
            suexec_dirs.append(suexec_site(site))
        return os.path.join(suexec_dirs[0], "cgi-bin")

    suexec_lines = (f'LoadModule cppcgi_module "{args.module}"\n'
                    f'LoadModule suexec_module "{MODULES_DIR}/mod_suexec.so"')
    suexec_conf = f"SuexecUserGroup {BENCH_USER} {BENCH_USER}\n"
    makers = {
        "cppcgi": lambda: Apache(OURS, site, "event",
                                 f'LoadModule cppcgi_module "{args.module}"', xsendfile=True),
        # The same, with python3 scripts forked from a warm interpreter.
        "cppcgi-warm": lambda: Apache(WARM, site, "event", f'LoadModule cppcgi_module "{args.module}"',
                                      "CppCgiPythonPreload On\n", only=("py",)),
        "cgid": lambda: Apache(CGID, site, "event",
                               f'LoadModule cgid_module "{MODULES_DIR}/mod_cgid.so"',
                               'ScriptSock "{root}/run/cgid.sock"\n'),
        "cgi-prefork": lambda: Apache("Apache prefork + mod_cgi", site, "prefork",
                                      f'LoadModule cgi_module "{MODULES_DIR}/mod_cgi.so"'),
        "baseline": lambda: Apache(BASELINE, site, "event", f'LoadModule cppcgi_module "{args.baseline}"'),
        # The same module and site, as a SuexecUserGroup identity: identity helpers, and the wrapper.
        "cppcgi-identity": lambda: Apache(IDENTITY, site, "event", suexec_lines, "CppCgiSuexec helpers\n" + suexec_conf,
                                          cgi_dir=suexec_cgi()),
        "cppcgi-wrapper": lambda: Apache(WRAPPER, site, "event", suexec_lines, suexec_conf, cgi_dir=suexec_cgi()),
        "lighttpd": lambda: Lighttpd(site),
        "nginx-fcgiwrap": lambda: NginxFcgiwrap(site),
    }
    names = args.servers.split(",")
    if args.baseline and "baseline" not in names:
        names.append("baseline")
    servers = [makers[name]() for name in names]
    results = {}  # (server, workload, c) -> list of runs
    ceilings = {}
    warm_ceilings = {}  # py: a python3 fork loop, the bound of CppCgiPythonPreload
    helper_memory = []
    try:
        for s in servers:
            s.start()
        for rnd in range(args.rounds):
            for workload in workloads:
                for c in concs:
                    # Every other round in the reverse order: no server always runs right after another.
                    for s in (servers if rnd % 2 == 0 else servers[::-1]):
                        if workload == "sendfile" and not getattr(s, "xsendfile", False):
                            continue
                        if getattr(s, "only", None) and workload not in s.only:
                            continue
                        r = run_wrk(s.port, workload, c, args.seconds, os.path.join(site, "post.lua"))
                        results.setdefault((s.name, workload, c), []).append(r)
                        print(f"round {rnd + 1} {workload} c={c} {s.name}: {r['rps']:.0f} req/s "
                              f"p50 {r['p50']:.2f} ms p99 {r['p99']:.2f} ms {r['cpu_ms']:.2f} ms CPU/req"
                              + (f" ERRORS {r['errors']} {r['socket_errors']}" if r["errors"] or r["socket_errors"]
                                 else ""), file=sys.stderr)
                    if workload == "py" and "cppcgi-warm" in names:
                        warm_ceilings.setdefault((workload, c), []).append(
                            warm_ceiling(site, WORKLOADS[workload][0], c, args.seconds))
                    if workload in SPAWN_CEILING:
                        ceilings.setdefault((workload, c), []).append(
                            spawn_ceiling(site, WORKLOADS[workload][0], c, args.seconds))
        # After every workload has run through them: what each helper holds.
        for s in servers:
            if hasattr(s, "helper_memory"):
                helper_memory += s.helper_memory()
    finally:
        for s in servers:
            try:
                s.stop()
            except Exception as e:  # keep stopping the others
                print(f"stopping {s.name}: {e}", file=sys.stderr)
        shutil.rmtree(site, ignore_errors=True)
        for d in suexec_dirs:
            shutil.rmtree(d, ignore_errors=True)
            subprocess.run(["userdel", BENCH_USER], capture_output=True)

    ref = CGID
    bounds = {key: ceiling_ratio(runs, results.get((ref,) + key)) for key, runs in ceilings.items()}
    print(f"\n### CGI benchmark, {time.strftime('%Y-%m-%d')}, {platform.node()}: {os.cpu_count()} cores "
          f"({cpu_model()}), {platform.release()}; wrk {args.seconds} s per cell, {args.rounds} interleaved rounds, "
          "medians\n")
    print("| workload | c | server | req/s | p50 ms | p99 ms | server CPU ms/req | × mod_cgid | × spawn ceiling | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for workload in workloads:
        for c in concs:
            for s in servers:
                runs = results.get((s.name, workload, c))
                if not runs:
                    continue
                med = lambda k: median_of(runs, k)  # noqa: E731
                ratio = ratio_to(runs, results.get((ref, workload, c)))
                ceil = ceiling_share(runs, ceilings[(workload, c)]) if (workload, c) in ceilings else None
                errs = sum(r["errors"] for r in runs)
                print(f"| {workload} | {c} | {s.name} | {med('rps'):.0f} | {med('p50'):.2f} | {med('p99'):.2f} | "
                      f"{med('cpu_ms'):.2f} | {'' if ratio is None else f'{ratio:.2f}×'} | "
                      f"{'' if ceil is None else f'{ceil:.2f}'} | {errs} |")
            if (workload, c) in warm_ceilings:
                w = warm_ceilings[(workload, c)]
                wb = ceiling_ratio(w, results.get((ref, workload, c)))
                warm_runs = results.get((WARM, workload, c))
                share = ceiling_share(warm_runs, w) if warm_runs else None
                print(f"| {workload} | {c} | warm ceiling (python3 fork loop, {c} workers) | "
                      f"{statistics.median(w):.0f} | | | | {'' if wb is None else f'{wb:.2f}×'} | "
                      f"{'' if share is None else f'warm: {share:.2f}'} | |")
            if (workload, c) in ceilings:
                bound = bounds[(workload, c)]
                print(f"| {workload} | {c} | spawn ceiling (posix_spawn loop, {c} workers) | "
                      f"{statistics.median(ceilings[(workload, c)]):.0f} | | | | "
                      f"{'' if bound is None else f'{bound:.2f}×'} | 1.00 | |")
    ours = OURS
    spread = []
    for workload in workloads:
        for c in concs:
            runs, refs = results.get((ours, workload, c)), results.get((ref, workload, c))
            if runs and refs:
                per_round = [r["rps"] / x["rps"] for r, x in zip(runs, refs)]
                spread.append(f"{workload} c={c} {min(per_round):.2f}–{max(per_round):.2f}×")
    if spread:
        print(f"\nmod_cppcgi ÷ mod_cgid per round (lowest–highest of {args.rounds}; the table gives the median): "
              + "; ".join(spread))
    if IDENTITY in [s.name for s in servers]:
        print("\nSuexecUserGroup through identity helpers, per round (median, lowest–highest):")
        for workload in workloads:
            for c in concs:
                ident = results.get((IDENTITY, workload, c))
                for other, label in ((OURS, "÷ as User"), (WRAPPER, "÷ through the wrapper")):
                    refs = results.get((other, workload, c))
                    if not ident or not refs:
                        continue
                    per_round = [r["rps"] / x["rps"] for r, x in zip(ident, refs)]
                    print(f"- {workload} c={c} {label}: {statistics.median(per_round):.2f} "
                          f"({min(per_round):.2f}–{max(per_round):.2f})")
    if "sendfile" in workloads and "big" in workloads and (OURS, "big", concs[0]) in results:
        print("\nThe same 1 MiB through X-Sendfile ÷ written by the script (mod_cppcgi, per round: median, "
              "lowest–highest):")
        for c in concs:
            sent, written = results.get((OURS, "sendfile", c)), results.get((OURS, "big", c))
            if sent and written:
                per_round = [a["rps"] / b["rps"] for a, b in zip(sent, written)]
                print(f"- c={c}: {statistics.median(per_round):.2f} ({min(per_round):.2f}–{max(per_round):.2f}); "
                      f"server CPU per request {median_of(sent, 'cpu_ms'):.2f} against "
                      f"{median_of(written, 'cpu_ms'):.2f} ms")
    if args.baseline:
        print("\nmod_cppcgi ÷ its baseline build, per round (median, lowest–highest; below 0.97 is flagged):")
        for workload in workloads:
            for c in concs:
                runs, base = results.get((ours, workload, c)), results.get((BASELINE, workload, c))
                if not runs or not base:
                    continue
                per_round = [r["rps"] / x["rps"] for r, x in zip(runs, base)]
                median = statistics.median(per_round)
                print(f"- {workload} c={c}: {median:.3f} ({min(per_round):.3f}–{max(per_round):.3f})"
                      + (" BELOW 0.97" if median < 0.97 else ""))
    known = [f"{workload} c={c} {bound:.2f}×" for (workload, c), bound in bounds.items() if bound is not None]
    if known:
        print("\nThe spawn ceiling ÷ mod_cgid (median of the rounds): " + "; ".join(known)
              + ". A CGI server still has to start the same program on every request, so no server's ratio to "
              "mod_cgid can pass these on this machine.")
    targets = target_lines(results, ceilings, bounds, helper_memory, warm_ceilings)
    if targets:
        print("\nThe project's targets (issues 8 and 27), as measured in this run:\n" + "\n".join(f"- {t}" for t in targets))
    if helper_memory:
        print(f"\nmod_cppcgi helpers after the run: {len(helper_memory)}, RSS "
              + ", ".join(f"{rss / 1024:.1f}" for rss, _ in helper_memory) + " MiB (PSS "
              + ", ".join(f"{pss / 1024:.1f}" for _, pss in helper_memory) + " MiB)")


if __name__ == "__main__":
    main()
