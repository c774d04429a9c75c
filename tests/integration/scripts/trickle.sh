#!/bin/sh
# Headers, its pid, then a line every 0.2 s for a minute: never idle, never done.
printf 'Content-Type: text/plain\n\npid %s\n' $$
i=0
while [ $i -lt 300 ]; do echo "tick $i"; sleep 0.2; i=$((i+1)); done
