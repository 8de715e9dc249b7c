// Child process for the durability test: counts up in the state file as fast as it can until killed.
import { z } from 'zod';
import { openDurableState } from '../src/state.js';

const file = process.argv[2]!;
const state = await openDurableState(file, z.object({ counter: z.number(), history: z.array(z.number()) }), {
  counter: 0,
  history: [],
});
for (;;) {
  await state.update((draft) => {
    draft.counter += 1;
    draft.history.push(draft.counter);
  });
}
