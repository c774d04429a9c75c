#!/bin/sh
printf 'Content-Type: text/plain\nthis line has no colon\n\nbody\n'
