#!/bin/sh
printf 'Location: http://example.invalid/elsewhere\n\nignored body\n'
