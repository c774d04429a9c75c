#!/usr/bin/python3
# Writes QUERY_STRING bytes (default 1 MiB) of a known pattern.
import os, sys
n = int(os.environ.get("QUERY_STRING") or 1048576)
out = sys.stdout.buffer
out.write(b"Content-Type: application/octet-stream\n\n")
block = bytes(range(256)) * 256
while n > 0:
    chunk = block[:min(n, len(block))]
    out.write(chunk)
    n -= len(chunk)
