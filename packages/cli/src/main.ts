import { Command } from 'commander';
import { registerRun } from './commands/run.js';

const program = new Command()
  .name('agora')
  .description('Agora: an open marketplace for compute and storage')
  .version('0.1.0')
  .enablePositionalOptions();

registerRun(program);

await program.parseAsync(process.argv);
