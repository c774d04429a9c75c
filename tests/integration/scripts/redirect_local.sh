#!/bin/sh
printf 'Location: /cgi-bin/env.py?from=redirect\n\n'
