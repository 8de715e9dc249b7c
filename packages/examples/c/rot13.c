// Rotates letters by N places (first argument, default 13) from stdin to stdout, like `tr`; reports the byte
// count and the (frozen) clock on stderr. Exits 3 when the input is empty. Built with clang and wasi-libc.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  int shift = argc > 1 ? atoi(argv[1]) % 26 : 13;
  if (shift < 0) shift += 26;
  unsigned long count = 0;
  int c;
  while ((c = getchar()) != EOF) {
    if (c >= 'a' && c <= 'z') c = 'a' + (c - 'a' + shift) % 26;
    else if (c >= 'A' && c <= 'Z') c = 'A' + (c - 'A' + shift) % 26;
    putchar(c);
    count++;
  }
  fprintf(stderr, "rot13: %lu bytes at %lld\n", count, (long long)time(NULL));
  return count == 0 ? 3 : 0;
}
