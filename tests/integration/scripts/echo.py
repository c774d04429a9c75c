#!/usr/bin/python3
# Echoes the request body back, byte for byte.
import os, sys
n = int(os.environ.get("CONTENT_LENGTH") or 0)
data = sys.stdin.buffer.read(n)
sys.stdout.buffer.write(b"Content-Type: application/octet-stream\r\n\r\n" + data)
