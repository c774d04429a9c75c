#!/usr/bin/python3
# A page of QUERY_STRING's first word bytes (bigout.py's pattern), written late.
# QUERY_STRING is SIZE or SIZE+DIR: with DIR, the script writes its pid to
# DIR/started and answers once DIR/go exists (at most 20 s); without it, it
# answers after 0.3 s. Either way it says nothing before then.
import os, time
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
# Then the page itself is bigout.py's.
os.environ["QUERY_STRING"] = str(n)
bigout = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bigout.py")
os.execv(bigout, [bigout])
