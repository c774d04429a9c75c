#!/bin/sh
# A shell CGI script: headers, a blank line, then the body.
echo "Content-Type: text/plain"
echo
echo "Hello from a shell script."
echo "Request method: $REQUEST_METHOD"
echo "Query string: $QUERY_STRING"
echo "Server software: $SERVER_SOFTWARE"
