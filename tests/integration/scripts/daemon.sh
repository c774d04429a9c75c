#!/bin/sh
# Starts a daemon the classic way: a subshell forks it into a new session
# (setsid) and exits, so it is orphaned; it ignores SIGTERM. Then writes
# "script-pid daemon-pid" to the file $1 and either answers at once ($2 = exit)
# or stays silent for 30 s. Called as daemon.sh?FILE+MODE (argv from the query).
( setsid sh -c 'trap "" TERM; echo $$ > "$0.d"; exec sleep 60' "$1" </dev/null >/dev/null 2>&1 & )
while [ ! -s "$1.d" ]; do sleep 0.05; done
echo "$$ $(cat "$1.d")" > "$1.tmp" && mv "$1.tmp" "$1"
if [ "$2" = exit ]; then
  printf 'Content-Type: text/plain\n\nstarted\n'
  exit 0
fi
sleep 30
