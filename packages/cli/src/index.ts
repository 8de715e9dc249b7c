export { printJson, reportError } from './output.js';
export { type DevNetwork, type DevNetworkOptions, startDevNetwork } from './dev-network.js';
export { type NetworkFile, connect, networkFileSchema, readNetworkFile, writeNetworkFile } from './network-file.js';
export { describeTask, fetchResult, submitTask, waitForTask } from './client-tasks.js';
