#!/bin/sh
printf 'Content-Type: text/plain\nSet-Cookie: a=1; Path=/\nSet-Cookie: b=2; Path=/\nX-Multi: one\nX-Multi: two\n\ncookies\n'
