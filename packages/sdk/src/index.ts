export { AgoraError, type AgoraErrorCode, errorCodes } from './errors.js';
export {
  type Ask,
  type Bid,
  type MatchedTerms,
  type PendingTerms,
  type Settlement,
  type Task,
  askTypes,
  bidTypes,
  commitmentOf,
  computeMarketDomain,
  decodeSettlement,
  decodeTaskMatched,
  decodeTaskPending,
  isVerifiedByModule,
  decodeTaskRecord,
  encodeOrders,
  encodeTaskRecord,
  laneOf,
  lockAmount,
  newBid,
  nonceOf,
  randomLane,
  taskIdOf,
  taskRecordHash,
  taskStatus,
  verificationMode,
} from './orders.js';
export {
  type DeployAgoraParameters,
  type DeployOptions,
  type Deployment,
  deployAgora,
  deploymentSchema,
} from './deploy.js';
export {
  type AmountJson,
  type TokenUnit,
  amountJson,
  createTokenUnits,
  decimalOf,
  formatAmount,
  formatPricePerFuel,
  parseAmount,
} from './amounts.js';
export { type ContractErrorInfo, contractErrorOf, explainContractError, toAgoraError } from './contract-errors.js';
export { type Resources, decodeResources, encodeResources, resourceFeatures } from './resources.js';
export { type TaskInput, decodeTaskInput, encodeTaskInput, taskInputLimits } from './task-input.js';
export * from './generated/contracts.js';
export {
  type AgoraClient,
  type AgoraClientOptions,
  type AgoraWallet,
  type SignedAsk,
  type SignedBid,
  type TaskSettlement,
  type TaskView,
  createAgoraClient,
  gasWithHeadroom,
  receiptOf,
  sendWrite,
  createSerialSender,
  type SerialSender,
  type SendOptions,
  type ContractWrite,
  settledStatus,
} from './actions.js';
export {
  type OrderHasher,
  type SignatureVerifier,
  createOrderHasher,
  createSignatureVerifier,
} from './order-signatures.js';
export { orderToJson, orderToPlain, signedAskJsonSchema, signedBidJsonSchema } from './order-json.js';
export { type Secp256k1, loadSecp256k1, secp256k1 } from './secp256k1.js';
export { type RpcTransport, agoraChain, rpcTransport } from './chain.js';
export { fastLocalAccount } from './local-account.js';
export { type LanePool, type LanePoolOptions, type LaneReading, createLanePool } from './lanes.js';
export * from './storage-orders.js';
export * from './storage-merkle.js';
export * from './storage-crypto.js';
export * from './storage-actions.js';
export * from './reputation.js';
export * from './review-actions.js';
