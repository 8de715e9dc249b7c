// Echo: prints its arguments joined by spaces, then stdin unchanged; logs a line to stderr; exits
// with the code given by the environment-free convention "--exit=N" if that is one of the arguments.
import { readInput, print, log } from './lib/io';

const args = process.argv.slice(1);
let exitCode = 0;
const shown = new Array<string>();
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith('--exit=')) exitCode = I32.parseInt(args[i].slice(7));
  else shown.push(args[i]);
}
const input = readInput();
print(shown.join(' ') + '\n');
process.stdout.write(input.buffer);
log('echo: ' + input.length.toString() + ' bytes of input');
if (exitCode != 0) process.exit(exitCode);
