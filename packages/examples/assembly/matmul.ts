// Matrix multiply: C = A x B for two N x N matrices of f64 (first argument, default 128) filled from a
// fixed linear congruential generator; prints N, the trace of C and the sum of its entries.
import { print, argument, log } from './lib/io';

const n = I32.parseInt(argument(0, '128'));
if (n < 1 || n > 2048) {
  log('matmul: N must be between 1 and 2048');
  process.exit(2);
}
let seed: u32 = 12345;
function next(): f64 {
  seed = seed * 1103515245 + 12345;
  return <f64>(seed >>> 8) / 16777216.0 - 0.5;
}
const a = new Float64Array(n * n);
const b = new Float64Array(n * n);
const c = new Float64Array(n * n);
for (let i = 0; i < n * n; i++) unchecked((a[i] = next()));
for (let i = 0; i < n * n; i++) unchecked((b[i] = next()));
for (let i = 0; i < n; i++) {
  for (let k = 0; k < n; k++) {
    const aik = unchecked(a[i * n + k]);
    for (let j = 0; j < n; j++) unchecked((c[i * n + j] += aik * unchecked(b[k * n + j])));
  }
}
let trace = 0.0;
let total = 0.0;
for (let i = 0; i < n; i++) trace += unchecked(c[i * n + i]);
for (let i = 0; i < n * n; i++) total += unchecked(c[i]);
print(n.toString() + ' ' + trace.toString() + ' ' + total.toString() + '\n');
