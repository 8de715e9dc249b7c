// Worker threads start here: plain JavaScript that teaches Node to load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
