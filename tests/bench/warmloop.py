# SPDX-License-Identifier: Apache-2.0
"""The warm-Python ceiling: what no runner that forks a started python3 per
request can pass. WORKERS processes each fork a child per iteration that
compiles and runs SCRIPT with its stdout on a pipe and leaves with
os._exit (no interpreter shutdown); the parent reads the pipe to its end and
reaps the child. Prints the iterations per second of all workers together.
    python3 warmloop.py SCRIPT WORKERS SECONDS"""
import os
import sys
import time

script, workers, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
counts_r, counts_w = os.pipe()
kids = []
for _ in range(workers):
    pid = os.fork()
    if pid == 0:
        os.close(counts_r)
        n, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            r, w = os.pipe()
            child = os.fork()
            if child == 0:
                os.dup2(w, 1)
                with open(script, "rb") as f:
                    code = compile(f.read(), script, "exec")
                exec(code, {"__name__": "__main__", "__file__": script})
                sys.stdout.flush()
                os._exit(0)
            os.close(w)
            while os.read(r, 65536):
                pass
            os.close(r)
            os.waitpid(child, 0)
            n += 1
        os.write(counts_w, b"%d\n" % n)
        os._exit(0)
    kids.append(pid)
os.close(counts_w)
for pid in kids:
    os.waitpid(pid, 0)
total = sum(int(x) for x in os.read(counts_r, 1 << 16).split())
print(f"{total / seconds:.1f}")
