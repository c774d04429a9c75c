// SPDX-License-Identifier: Apache-2.0
/* The `null` workload: the same response as `hello`, from a program with no C
 * library at all (two system calls: write, exit). It takes the script's own
 * start-up cost (glibc's, which is most of `hello`'s) out of the comparison,
 * so what is left per request is the server's: how each runner hands a
 * request to a new process and its output back. Freestanding; x86-64 and
 * arm64 only:
 *   cc -O2 -static -nostdlib -ffreestanding -fno-stack-protector -o null nolibc_hello.c */

static const char kResponse[] = "Content-Type: text/plain\n\nHello, World!\n";

static long Syscall3(long number, long a, long b, long c) {
#if defined(__x86_64__)
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = number;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
#else
#error "nolibc_hello.c: x86-64 and arm64 only"
#endif
}

#if defined(__x86_64__)
enum { kWrite = 1, kExitGroup = 231 };
#else
enum { kWrite = 64, kExitGroup = 94 };
#endif

void _start(void) {
  const char* p = kResponse;
  long left = sizeof kResponse - 1;
  int status = 0;
  while (left > 0) {
    long n = Syscall3(kWrite, 1, (long)p, left);
    if (n <= 0) {
      status = 1;
      break;
    }
    p += n;
    left -= n;
  }
  Syscall3(kExitGroup, status, 0, 0);
  for (;;) {
  }
}
