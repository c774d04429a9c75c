#!/bin/sh
# Lies about its length and claims a transfer coding: httpd must frame the body itself.
printf 'Content-Type: text/plain\nContent-Length: 3\nTransfer-Encoding: chunked\n\nthe whole body\n'
