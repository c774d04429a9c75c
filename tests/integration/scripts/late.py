#!/usr/bin/python3
# A page of QUERY_STRING's first word bytes (bigout.py's pattern), written late.
# QUERY_STRING is SIZE or SIZE+DIR: with DIR, the script writes its pid to
# DIR/started and answers once DIR/go exists (at most 20 s); without it, it
# answers after 0.3 s. Either way it says nothing before then.
import os, sys, time
words = (os.environ.get("QUERY_STRING") or "1000").split("+")
n = int(words[0])
if len(words) > 1:
    d = words[1]
    with open(d + "/started.tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(d + "/started.tmp", d + "/started")
    deadline = time.time() + 20
    while not os.path.exists(d + "/go") and time.time() < deadline:
        time.sleep(0.01)
else:
    time.sleep(0.3)
out = sys.stdout.buffer
out.write(b"Content-Type: application/octet-stream\n\n")
block = bytes(range(256)) * 256
while n > 0:
    chunk = block[:min(n, len(block))]
    out.write(chunk)
    n -= len(chunk)
