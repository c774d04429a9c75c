#!/usr/bin/python3
# Prints this process's resource limits (what RLimit* set for scripts).
print("Content-Type: text/plain")
print()
with open("/proc/self/limits") as f:
    print(f.read())
