#!/usr/bin/python3
# A form handler: GET shows the form, POST reads the urlencoded body from
# stdin (CONTENT_LENGTH bytes) and greets the sender. Uses urllib.parse, not
# the cgi module (deprecated in Python 3.11, removed in 3.13).
import html
import os
import sys
from urllib.parse import parse_qs

method = os.environ.get("REQUEST_METHOD", "GET")
name = ""
if method == "POST":
    length = int(os.environ.get("CONTENT_LENGTH") or 0)
    fields = parse_qs(sys.stdin.read(length))
    name = fields.get("name", [""])[0]

print("Content-Type: text/html; charset=utf-8")
print()
print("<!DOCTYPE html><html><head><title>Form</title></head><body>")
if name:
    print(f"<h3>Hello, {html.escape(name)}!</h3>")
print('<form method="post" action="form.py">')
print('<label>Your name: <input name="name"></label> <button type="submit">Send</button>')
print("</form></body></html>")
