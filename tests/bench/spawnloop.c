// SPDX-License-Identifier: Apache-2.0
/* The spawn ceiling: W workers each loop { pipe, posix_spawn the CGI with
 * stdout on the pipe, read to EOF, waitpid } for D seconds. Prints spawns/s.
 *   spawnloop PROGRAM WORKERS SECONDS */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  int workers = atoi(argv[2]);
  double seconds = atof(argv[3]);
  int fds[64][2];
  for (int w = 0; w < workers && w < 64; ++w) {
    if (pipe(fds[w]) != 0) return 1;
    if (fork() == 0) {
      close(fds[w][0]);
      long n = 0;
      double end = now() + seconds;
      char *args[] = {argv[1], NULL};
      char buf[65536];
      while (now() < end) {
        int p[2];
        if (pipe(p) != 0) return 1;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        posix_spawn_file_actions_addclose(&fa, p[0]);
        pid_t pid;
        if (posix_spawn(&pid, argv[1], &fa, NULL, args, environ) != 0) return 1;
        posix_spawn_file_actions_destroy(&fa);
        close(p[1]);
        while (read(p[0], buf, sizeof buf) > 0) {
        }
        close(p[0]);
        waitpid(pid, NULL, 0);
        ++n;
      }
      if (write(fds[w][1], &n, sizeof n) != sizeof n) return 1;
      _exit(0);
    }
    close(fds[w][1]);
  }
  long total = 0;
  for (int w = 0; w < workers && w < 64; ++w) {
    long n = 0;
    if (read(fds[w][0], &n, sizeof n) == sizeof n) total += n;
  }
  while (wait(NULL) > 0) {
  }
  printf("%.1f\n", total / seconds);
  return 0;
}
