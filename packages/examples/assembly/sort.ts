// Sort numbers: reads whitespace-separated integers from stdin, prints them sorted ascending, one per line.
// With the argument "desc" the order is descending.
import { readInput, print, log, argument, isSpace } from './lib/io';

const input = readInput();
const numbers = new Array<i64>();
let value: i64 = 0;
let negative = false;
let inNumber = false;
for (let i = 0; i <= input.length; i++) {
  const byte: u8 = i < input.length ? input[i] : 0x20;
  if (byte == 0x2d && !inNumber) {
    negative = true;
    inNumber = true;
  } else if (byte >= 0x30 && byte <= 0x39) {
    value = value * 10 + <i64>(byte - 0x30);
    inNumber = true;
  } else if (isSpace(byte)) {
    if (inNumber) numbers.push(negative ? -value : value);
    value = 0;
    negative = false;
    inNumber = false;
  } else {
    log('sort: not a number at byte ' + i.toString());
    process.exit(2);
  }
}
numbers.sort((a: i64, b: i64): i32 => (a < b ? -1 : a > b ? 1 : 0));
if (argument(0, 'asc') == 'desc') numbers.reverse();
const lines = new Array<string>(numbers.length);
for (let i = 0; i < numbers.length; i++) lines[i] = numbers[i].toString();
print(lines.join('\n') + (numbers.length > 0 ? '\n' : ''));
log('sort: ' + numbers.length.toString() + ' numbers');
