#!/bin/sh
printf "Status: 418 I'm a teapot\nContent-Type: text/plain\nX-Script: yes\n\nteapot\n"
