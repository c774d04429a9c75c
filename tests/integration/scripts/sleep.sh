#!/bin/sh
# Sleeps QUERY_STRING seconds (default 2), then answers.
sleep "${QUERY_STRING:-2}"
printf 'Content-Type: text/plain\n\nslept %s\n' "${QUERY_STRING:-2}"
