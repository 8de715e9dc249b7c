export {
  defaultRuntimePolicy,
  maxAppBytes,
  prepareApp,
  runtimeVersion,
  type PreparedApp,
  type RuntimePolicy,
} from './app.js';
export {
  appArgv0,
  defaultRunLimits,
  executeModule,
  startRun,
  type StartedRun,
  type RunLimits,
  type RunOutcome,
  type RunRequest,
  type RunResult,
} from './execute.js';
export { type FloatPolicy, type ModuleInfo, instrumentModule } from './instrument.js';
export { createRuntimePool, type RuntimePool, type RuntimePoolOptions } from './pool.js';
export {
  describeRefusal,
  describeResult,
  refusalCodes,
  resultHashOf,
  type DescribedResult,
  type Hex,
  type TaskOutcome,
} from './result.js';
export { allowedWasiFunctions } from './wasi-imports.js';
export { type SettledOutput, fetchSettledOutput, providerEndpoints } from './settled-output.js';
