export { readKeystore, writeKeystore, type KeystoreFile, type KeystoreOptions } from './keystore.js';
export { openDurableState, type DurableState } from './state.js';
