#!/usr/bin/python3
# A page of QUERY_STRING's first word bytes (bigout.py's pattern), written late.
# QUERY_STRING is SIZE or SIZE+DIR: with DIR, the script writes its pid to
# DIR/started and answers once DIR/go exists (at most 20 s); without it, it
# answers after 0.3 s. Either way it says nothing before then.
#
# The page is written in one go and stdout closed right after it, before the
# interpreter winds down: the end of output then follows the headers at once,
# so a short page is always one the module can give a Content-Length.
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
page = ((bytes(range(256)) * 256) * (n // 65536 + 1))[:n]
out = sys.stdout.buffer
out.write(b"Content-Type: application/octet-stream\n\n" + page)
out.flush()
os.close(1)
