// Reads whitespace-separated numbers from stdin, sorts them with qsort and prints count, min, median, max and
// mean (printf %.6f): malloc, qsort, strtod and float formatting from wasi-libc. Built with clang.
#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(void) {
  size_t capacity = 1024, count = 0;
  double *values = malloc(capacity * sizeof(double));
  double value, sum = 0;
  while (values && scanf("%lf", &value) == 1) {
    if (count == capacity) values = realloc(values, (capacity *= 2) * sizeof(double));
    if (!values) break;
    values[count++] = value;
    sum += value;
  }
  if (!values) {
    fprintf(stderr, "stats: out of memory\n");
    return 2;
  }
  if (count == 0) {
    fprintf(stderr, "stats: no numbers on stdin\n");
    return 1;
  }
  qsort(values, count, sizeof(double), compare);
  double median = count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
  printf("count %zu\nmin %.6f\nmedian %.6f\nmax %.6f\nmean %.6f\n", count, values[0], median, values[count - 1],
         sum / count);
  free(values);
  return 0;
}
