#!/usr/bin/python3
# The classic first CGI program: a header, a blank line, then the page.
print("Content-Type: text/html")
print()
print("<!DOCTYPE html>")
print("<html><head><title>Hello from mod_cppcgi</title></head>")
print("<body>")
print("<h3>Hello, World!</h3>")
print("<p>This page was printed by a Python CGI script run by mod_cppcgi.</p>")
print("</body></html>")
