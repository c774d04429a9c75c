#!/bin/sh
# Writes its pid and a background child's pid to the file named by QUERY_STRING,
# then stays silent for 60 s.
sleep 60 &
echo "$$ $!" > "$QUERY_STRING"
sleep 60
