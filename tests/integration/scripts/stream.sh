#!/bin/sh
printf 'Content-Type: text/plain\n\nfirst\n'
sleep 1
printf 'second\n'
