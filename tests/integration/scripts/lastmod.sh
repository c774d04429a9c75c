#!/bin/sh
# With QUERY_STRING "status", an explicit Status: 200 (no conditional processing).
[ "$QUERY_STRING" = status ] && printf 'Status: 200 OK\n'
printf 'Content-Type: text/plain\nLast-Modified: Wed, 01 Jan 2020 00:00:00 GMT\nETag: "v1"\n\nbody\n'
