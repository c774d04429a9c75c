#!/bin/sh
printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Nph: raw\r\nConnection: close\r\n\r\nnph body\n'
