#!/usr/bin/python3
# Each run registers in a directory named by QUERY_STRING and waits (at most
# 10 s) until N runs are present at once, then reports how many it saw. If
# scripts were started one after another, the first would never see N.
import os, sys, time
d, n = os.environ["QUERY_STRING"].split(",")
n = int(n)
os.makedirs(d, exist_ok=True)
open(os.path.join(d, str(os.getpid())), "w").close()
deadline = time.time() + 10
seen = 0
while time.time() < deadline:
    seen = len(os.listdir(d))
    if seen >= n:
        break
    time.sleep(0.02)
print("Content-Type: text/plain")
print()
print(f"seen={seen} ppid={os.getppid()}")
