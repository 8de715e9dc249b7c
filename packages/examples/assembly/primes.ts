// Prime sieve: counts the primes up to N (first argument, default 1000000) with the sieve of
// Eratosthenes and prints "<count> <largest> <sum>".
import { print, argument, log } from './lib/io';

const limit = I32.parseInt(argument(0, '1000000'));
if (limit < 2 || limit > 500_000_000) {
  log('primes: N must be between 2 and 500000000');
  process.exit(2);
}
const composite = new Uint8Array(limit + 1);
let count = 0;
let largest = 0;
let sum: u64 = 0;
for (let i = 2; i <= limit; i++) {
  if (unchecked(composite[i])) continue;
  count++;
  largest = i;
  sum += <u64>i;
  for (let j = <i64>i * i; j <= <i64>limit; j += i) unchecked((composite[<i32>j] = 1));
}
print(count.toString() + ' ' + largest.toString() + ' ' + sum.toString() + '\n');
