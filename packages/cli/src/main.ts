import { Command } from 'commander';
import { registerDev, registerFaucet } from './commands/dev.js';
import { registerMatcher } from './commands/matcher.js';
import { registerProvider } from './commands/provider.js';
import { registerReview } from './commands/review.js';
import { registerRun } from './commands/run.js';
import { registerStore } from './commands/store.js';
import { registerTask } from './commands/task.js';
import { registerWallet } from './commands/wallet.js';

const program = new Command()
  .name('agora')
  .description('Agora: an open marketplace for compute and storage')
  .version('0.1.0')
  .enablePositionalOptions();

registerRun(program);
registerDev(program);
registerFaucet(program);
registerTask(program);
registerWallet(program);
registerProvider(program);
registerMatcher(program);
registerStore(program);
registerReview(program);

await program.parseAsync(process.argv);
