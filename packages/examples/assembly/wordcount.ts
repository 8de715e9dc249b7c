// Count words: prints "<lines> <words> <bytes>" for stdin, like `wc`, then the most frequent words.
// The argument is how many top words to print (default 5).
import { readInput, print, argument, isSpace } from './lib/io';

const input = readInput();
let lines = 0;
let words = 0;
const counts = new Map<string, i32>();
let start = -1;
for (let i = 0; i <= input.length; i++) {
  const byte: u8 = i < input.length ? input[i] : 0x20;
  if (byte == 0x0a) lines++;
  if (isSpace(byte)) {
    if (start >= 0) {
      words++;
      const word = String.UTF8.decodeUnsafe(input.dataStart + <usize>start, <usize>(i - start));
      counts.set(word, counts.has(word) ? counts.get(word) + 1 : 1);
      start = -1;
    }
  } else if (start < 0) {
    start = i;
  }
}
let out = lines.toString() + ' ' + words.toString() + ' ' + input.length.toString() + '\n';
const unique = counts.keys();
// Most frequent first; ties in byte order, so the output never depends on hash-map iteration order.
unique.sort((a: string, b: string): i32 => {
  const byCount = counts.get(b) - counts.get(a);
  return byCount != 0 ? byCount : a < b ? -1 : a > b ? 1 : 0;
});
const top = min(I32.parseInt(argument(0, '5')), unique.length);
for (let i = 0; i < top; i++) out += unique[i] + ' ' + counts.get(unique[i]).toString() + '\n';
print(out);
