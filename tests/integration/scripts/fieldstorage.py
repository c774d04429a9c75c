#!/usr/bin/python3
# A classic Python CGI form handler using the standard library's cgi module.
import warnings
warnings.simplefilter("ignore", DeprecationWarning)  # cgi is deprecated in 3.11, still shipped
import cgi
import hashlib

form = cgi.FieldStorage()
print("Content-Type: text/plain")
print()
for key in sorted(form.keys()):
    item = form[key]
    if item.filename:
        data = item.file.read()
        print(f"{key}: file {item.filename} {len(data)} {hashlib.sha256(data).hexdigest()}")
    else:
        print(f"{key}: {item.value}")
