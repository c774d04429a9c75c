#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "body"
echo "first stderr line" >&2
printf 'second stderr line\r\nthird without newline' >&2
