// Prints what a program sees of time and randomness: the wall clock in milliseconds and 16 random
// bytes in hex. In Agora's runtime both come from the task, so every replica prints the same line.
import { print } from './lib/io';

const bytes = new Uint8Array(16);
crypto.getRandomValues(bytes);
let hex = '';
for (let i = 0; i < bytes.length; i++) hex += (<u32>bytes[i]).toString(16).padStart(2, '0');
print(Date.now().toString() + ' ' + hex + '\n');
