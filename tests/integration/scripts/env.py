#!/usr/bin/python3
# Prints the CGI environment, argv and working directory as text.
import os, sys
if os.environ.get("REQUEST_METHOD") == "POST":
    sys.stdin.buffer.read()  # read the body to EOF (mod_cgid loses the response otherwise)
print("Content-Type: text/plain")
print()
for k in sorted(os.environ):
    print(f"{k}={os.environ[k]}")
print("ARGV=" + " ".join(sys.argv[1:]))
print("CWD=" + os.getcwd())
print("PPID=%d" % os.getppid())
print("PID=%d" % os.getpid())
print("PGID=%d" % os.getpgid(0))
print("SID=%d" % os.getsid(0))
