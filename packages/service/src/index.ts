export { createLogger, type Logger } from './log.js';
export { readKeystore, writeKeystore, type KeystoreFile, type KeystoreOptions } from './keystore.js';
export { freePort } from './port.js';
export { type GroupCommit, createGroupCommit } from './group-commit.js';
export { bodyCap, bodyLimits, readJsonBody } from './http.js';
