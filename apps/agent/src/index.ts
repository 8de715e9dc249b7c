export { type Agent, type AgentDependencies, startAgent } from './agent.js';
export { type AgentState, type StoredAsk, type TrackedTask, agentStateSchema, signedAskSchema } from './agent-state.js';
export { type SignedAsk, fromStoredAsk } from './asks.js';
export { type AgentConfig, type AgentConfigInput, agentConfigSchema, loadConfig, resolveConfig } from './config.js';
export { readKeystore, writeKeystore, type KeystoreFile, type KeystoreOptions, createLogger } from '@agora/service';
export { createAgentMetrics, type AgentMetrics } from './metrics.js';
export { openDurableState, type DurableState } from './state.js';
export { type AgentFilesOptions, writeAgentFiles } from './files.js';
export { dropStoredCopy } from './storage.js';
