#!/usr/bin/python3
# Reports CONTENT_LENGTH, whether HTTP_TRANSFER_ENCODING is set, and the
# length and sha256 of everything on stdin (read to EOF).
import hashlib, os, sys
data = sys.stdin.buffer.read()
print("Content-Type: text/plain")
print()
print("CONTENT_LENGTH=" + os.environ.get("CONTENT_LENGTH", "<unset>"))
print("TE=" + os.environ.get("HTTP_TRANSFER_ENCODING", "<unset>"))
print("READ=%d" % len(data))
print("SHA=" + hashlib.sha256(data).hexdigest())
