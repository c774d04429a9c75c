// SPDX-License-Identifier: Apache-2.0
/* CGI workloads for the benchmark, one binary per -D choice:
 *   -DHELLO  a short text response
 *   -DECHO   echoes CONTENT_LENGTH bytes of the request body
 *   -DBIG    a 1 MiB response
 *   -DSENDFILE -DSENDFILE_PATH='"/path"'  the same, named by X-Sendfile */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void out(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w <= 0) exit(1);
    p += w;
    n -= (size_t)w;
  }
}

int main(void) {
#if defined(HELLO)
  static const char m[] = "Content-Type: text/plain\n\nHello, World!\n";
  out(m, sizeof m - 1);
#elif defined(ECHO)
  static char buf[1 << 16];
  const char *cl = getenv("CONTENT_LENGTH");
  long left = cl ? atol(cl) : 0;
  static const char h[] = "Content-Type: application/octet-stream\n\n";
  out(h, sizeof h - 1);
  while (left > 0) {
    ssize_t r = read(0, buf, left < (long)sizeof buf ? (size_t)left : sizeof buf);
    if (r <= 0) break;
    out(buf, (size_t)r);
    left -= r;
  }
#elif defined(BIG)
  static char block[1 << 16];
  memset(block, 'x', sizeof block);
  static const char h[] = "Content-Type: application/octet-stream\n\n";
  out(h, sizeof h - 1);
  for (int i = 0; i < 16; ++i) out(block, sizeof block);
#elif defined(SENDFILE)
  static const char h[] = "Content-Type: application/octet-stream\nX-Sendfile: " SENDFILE_PATH "\n\n";
  out(h, sizeof h - 1);
#endif
  return 0;
}
