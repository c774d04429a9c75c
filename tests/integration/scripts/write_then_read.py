#!/usr/bin/python3
# Writes 256 KiB of output before it reads its stdin: a runner that writes the
# whole body first (mod_cgi, mod_cgid) stalls here; a full-duplex one does not.
import hashlib, os, sys
out = sys.stdout.buffer
out.write(b"Content-Type: text/plain\n\n")
out.write(b"x" * 262144)
out.flush()
n = int(os.environ.get("CONTENT_LENGTH") or 0)
data = sys.stdin.buffer.read(n)
out.write(b"\nread=%d sha256=%s\n" % (len(data), hashlib.sha256(data).hexdigest().encode()))
