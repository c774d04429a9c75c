#!/bin/sh
# A 103 Early Hints interim response, then the real one. QUERY_STRING=N sends N hints.
n=${QUERY_STRING:-1}
i=0
while [ $i -lt "$n" ]; do
  printf 'Status: 103 Early Hints\nLink: </style.css>; rel=preload; as=style\n\n'
  i=$((i+1))
done
printf 'Content-Type: text/plain\n\nfinal\n'
