#!/bin/sh
i=0
while [ $i -lt 50 ]; do echo "noise line $i" >&2; i=$((i+1)); done
printf 'Content-Type: text/plain\n\nok\n'
