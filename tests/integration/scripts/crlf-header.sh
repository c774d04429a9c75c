#!/bin/sh
printf 'Content-Type: text/plain\nX-Split: a\rInjected: yes\n\nbody\n'
