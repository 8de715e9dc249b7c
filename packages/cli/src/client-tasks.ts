// What a client does to buy compute: put the app and its input where providers fetch them, sign a bid, hand it to a
// matcher, follow the task on chain, and fetch the result from the providers, checking it against the chain.
import { createHash } from 'node:crypto';
import { cidFromBytes, parseCid } from '@agora/content';
import { AgoraError, errorCodes } from '@agora/errors';
import { type SettledOutput, fetchSettledOutput, prepareApp, providerEndpoints } from '@agora/runtime';
import {
  type AgoraClient,
  type Bid,
  type LanePool,
  type TaskView,
  type TokenUnit,
  amountJson,
  encodeTaskInput,
  formatAmount,
  formatPricePerFuel,
  lockAmount,
  newBid,
  orderToJson,
  taskIdOf,
} from '@agora/sdk';
import { type Hex, bytesToHex, hexToBytes } from 'viem';
import { z } from 'zod';
import { matcherAccountOf } from './matcher-account.js';
import type { NetworkFile } from './network-file.js';

export type Progress = (stage: string, detail?: Record<string, unknown>) => void;

/**
 * What this process has put on each gateway, by gateway and SHA-256, with the CID it got: content is addressed by its
 * hash and a gateway keeps what it stores, so a client that submits one app many times uploads it once.
 */
const uploaded = new Map<string, Hex>();

/** SHA-256 of some bytes, as the per-process memos below key them (native hashing: an app may be megabytes). */
const digestOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Puts bytes on the content gateway (unless this process already did); returns their CID as bytes. `digest` is their
 * `digestOf`, when the caller has it already.
 */
export async function upload(gatewayUrl: string, bytes: Uint8Array, digest = digestOf(bytes)): Promise<Hex> {
  const key = `${gatewayUrl} ${digest}`;
  const known = uploaded.get(key);
  if (known) return known;
  const cid = await uploadNow(gatewayUrl, bytes);
  uploaded.set(key, cid);
  if (uploaded.size > 256) uploaded.delete(uploaded.keys().next().value as string);
  return cid;
}

async function uploadNow(gatewayUrl: string, bytes: Uint8Array): Promise<Hex> {
  let response: Response;
  try {
    response = await fetch(`${gatewayUrl}/ipfs`, {
      method: 'POST',
      body: bytes as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.timeout(60_000),
    });
  } catch (cause) {
    throw new AgoraError(errorCodes.SERVICE_UNAVAILABLE, `The content gateway ${gatewayUrl} did not answer.`, {
      cause,
    });
  }
  const body = (await response.json().catch(() => undefined)) as
    { cid?: string; error?: { message: string } } | undefined;
  if (!response.ok || !body?.cid) {
    throw new AgoraError(
      errorCodes.SERVICE_UNAVAILABLE,
      `The content gateway refused the upload: ${body?.error?.message ?? `HTTP ${response.status}`}`,
    );
  }
  return bytesToHex(parseCid(body.cid).bytes);
}

async function matcherCall(
  network: NetworkFile,
  route: string,
  init?: RequestInit,
): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(`${network.matcherUrl}${route}`, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (cause) {
    throw new AgoraError(errorCodes.SERVICE_UNAVAILABLE, `The matcher ${network.matcherUrl} did not answer.`, {
      cause,
    });
  }
  return { status: response.status, body: (await response.json().catch(() => undefined)) as unknown };
}

const matcherErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

function matcherError(body: unknown, fallback: string): AgoraError {
  const parsed = matcherErrorSchema.safeParse(body);
  if (!parsed.success) return new AgoraError(errorCodes.SERVICE_UNAVAILABLE, fallback);
  const code =
    Object.values(errorCodes).find((known) => known === parsed.data.error.code) ?? errorCodes.SERVICE_UNAVAILABLE;
  return new AgoraError(code, `The matcher refused the order: ${parsed.data.error.message}`);
}

/** SHA-256 of the apps that passed the runtime's checks in this process: a client that submits one app often checks it once. */
const checkedApps = new Set<string>();

function checkApp(app: Uint8Array, digest: string): void {
  if (checkedApps.has(digest)) return;
  prepareApp(app);
  checkedApps.add(digest);
  if (checkedApps.size > 64) checkedApps.delete(checkedApps.values().next().value as string);
}

export type SubmitOptions = {
  app: Uint8Array;
  args: readonly string[];
  stdin: Uint8Array;
  replicas: number;
  maxPricePerFuel: bigint;
  maxFuel: bigint;
  /** Seconds the bid stays valid. */
  ttlSeconds: number;
  /** A nonce to use instead of the next one from the client's lanes (to show what a replay does). */
  nonce?: bigint;
  deadline?: bigint;
  /** Called with the most the bid can lock, before it is signed; throws to stop the submit. */
  confirm?: (maxLock: bigint, unit: TokenUnit) => Promise<void>;
};

export type Submitted = { taskId: Hex; bidHash: Hex; bid: Bid; signature: Hex; maxLock: bigint; unit: TokenUnit };

/** Checks the app locally, uploads app and input, signs the bid and posts it to the matcher. */
export async function submitTask(
  network: NetworkFile,
  agora: AgoraClient & { lanes: LanePool },
  options: SubmitOptions,
  progress: Progress,
): Promise<Submitted> {
  // The runtime's own checks: a module providers would refuse is refused here, before any money moves.
  const appDigest = digestOf(options.app);
  checkApp(options.app, appDigest);
  progress('uploading', { bytes: options.app.length });
  const deadline = options.deadline ?? BigInt(Math.floor(Date.now() / 1000) + options.ttlSeconds);
  // The market's fees only size what the bid may lock, which the caller is told: read while the bid goes out.
  const params = agora.params();
  params.catch(() => undefined);
  const [appCid, inputCid, nonce, matcher] = await Promise.all([
    upload(network.gatewayUrl, options.app, appDigest),
    upload(network.gatewayUrl, encodeTaskInput({ args: options.args, stdin: options.stdin })),
    options.nonce ?? agora.lanes.next(deadline),
    matcherAccountOf(network),
  ]);
  const bid = newBid({
    client: agora.account,
    token: network.token,
    appCid,
    inputCid,
    replicas: options.replicas,
    maxPricePerFuel: options.maxPricePerFuel,
    maxFuel: options.maxFuel,
    ttlSeconds: options.ttlSeconds,
    nonce,
    deadline,
    matcher,
  });
  // The most the bid can lock (fuel × price × replicas, plus fees), said before it goes out.
  const [unit, fees] = await Promise.all([agora.tokenUnit(bid.token), params]);
  const maxLock = lockAmount({
    ...fees,
    pricePerFuel: bid.maxPricePerFuel,
    maxFuel: bid.maxFuel,
    replicas: bid.replicas,
  });
  progress(`costs at most ${formatAmount(maxLock, unit)}`, { maxLock: amountJson(maxLock, unit) });
  await options.confirm?.(maxLock, unit);
  const signed = await agora.signBid(bid);
  progress('posting bid', { matcher: network.matcherUrl });
  const { status, body } = await matcherCall(network, '/bids', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: orderToJson(signed),
  });
  if (status !== 201) throw matcherError(body, `The matcher answered HTTP ${status}.`);
  const { hash, waiting } = bidStatusSchema.extend({ hash: z.string() }).parse(body);
  if (waiting) progress(`waiting for providers: ${waiting.message}`, { reason: waiting.reason });
  return {
    taskId: taskIdOf(bid.client, bid.nonce),
    bidHash: hash as Hex,
    bid,
    signature: signed.signature,
    maxLock,
    unit,
  };
}

const bidStatusSchema = z.object({
  status: z.string(),
  taskId: z.string().optional(),
  nonce: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  /** Why an open bid has not matched, as the matcher sees its book. */
  waiting: z.object({ reason: z.string(), message: z.string() }).optional(),
});

/** Waits until the matcher has matched the bid (or refused it), then until the task settles on chain. */
export async function waitForTask(
  network: NetworkFile,
  agora: AgoraClient & { lanes?: LanePool },
  { taskId, bidHash }: { taskId: Hex; bidHash?: Hex },
  progress: Progress,
  { timeoutMs = 600_000, pollMs = 100 } = {},
): Promise<TaskView & { settlement: NonNullable<TaskView['settlement']> }> {
  const deadline = Date.now() + timeoutMs;
  const pause = () => new Promise((resolve) => setTimeout(resolve, pollMs));
  let stage = '';
  let seenBlock: bigint | undefined;
  let view: TaskView | null = null;
  const report = (next: string, detail?: Record<string, unknown>) => {
    if (next !== stage) progress((stage = next), detail);
  };
  for (;;) {
    if (Date.now() > deadline)
      throw new AgoraError(
        errorCodes.TIMEOUT,
        `Task ${taskId} did not settle within ${timeoutMs / 1000} s (last stage: ${stage || 'none'}).`,
      );
    // The task's events (four log queries) change only with a new block: read them again only then.
    const block = await agora.publicClient.getBlockNumber({ cacheTime: 0 });
    if (block !== seenBlock) {
      seenBlock = block;
      view = await agora.task(taskId);
    }
    if (view?.settlement) {
      agora.lanes?.settled(view.task.nonce);
      return { ...view, settlement: view.settlement };
    }
    if (view) {
      const replicas = view.task.providers.length;
      if (view.reveals.length > 0) report(`revealed ${view.reveals.length}/${replicas}`);
      else if (view.commits.length > 0) report(`committed ${view.commits.length}/${replicas}`);
      else report('matched: running', { providers: view.task.providers });
    } else if (bidHash) {
      const { status, body } = await matcherCall(network, `/bids/${bidHash}`);
      const outcome = status === 200 ? bidStatusSchema.safeParse(body) : undefined;
      if (outcome?.success && outcome.data.status === 'rejected') {
        const code =
          Object.values(errorCodes).find((known) => known === outcome.data.code) ?? errorCodes.CONTRACT_REVERTED;
        throw new AgoraError(code, `The matcher dropped the bid: ${outcome.data.message ?? 'no reason given'}`);
      }
      if (outcome?.success && (outcome.data.status === 'expired' || outcome.data.status === 'cancelled')) {
        throw new AgoraError(errorCodes.ORDER_EXPIRED, `The bid ${outcome.data.status} before a provider took it.`);
      }
      // Matched with several replicas: the seats are drawn, and the first drawn provider to finish seats the task.
      const waiting = outcome?.success ? outcome.data.waiting : undefined;
      report(
        outcome?.success && outcome.data.status === 'matched'
          ? 'matched: drawing seats'
          : waiting
            ? `waiting for providers: ${waiting.message}`
            : 'waiting for providers',
        waiting ? { reason: waiting.reason } : undefined,
      );
    }
    await pause();
  }
}

export type TaskResult = SettledOutput;

/** Fetches the output of a settled task from its providers and checks it against the settlement. */
export async function fetchResult(network: NetworkFile, view: TaskView): Promise<TaskResult> {
  const settled = view.settlement;
  if (!settled) throw new AgoraError(errorCodes.TASK_STATE_INVALID, `Task ${view.taskId} has not settled yet.`);
  return fetchSettledOutput({
    taskId: view.taskId,
    providers: view.task.providers,
    resultHash: settled.resultHash,
    endpoints: await providerEndpoints(network.matcherUrl, network.agents),
  });
}

/** A CID the chain holds as bytes, as people read it (bafy…); the hex when it is not a CID. */
export function cidText(bytes: Hex): string {
  try {
    return cidFromBytes(hexToBytes(bytes)).toString();
  } catch {
    return bytes;
  }
}

const dateOf = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

/**
 * A task as commands print it: its terms, where it stands, and its output when it was fetched. Amounts carry their
 * token's symbol and decimals (`amountJson`); CIDs are bafy… strings.
 */
export function describeTask(view: TaskView, unit: TokenUnit, result?: TaskResult) {
  const settled = view.settlement;
  const terms = view.task;
  const paid = settled ? terms.providers.filter((_, index) => (settled.paidMask >> BigInt(index)) & 1n) : [];
  const slashed = settled ? terms.providers.filter((_, index) => (settled.slashedMask >> BigInt(index)) & 1n) : [];
  return {
    taskId: view.taskId,
    status:
      settled?.status ?? (view.reveals.length > 0 ? 'revealing' : view.commits.length > 0 ? 'committing' : 'matched'),
    client: terms.client,
    appCid: cidText(view.appCid),
    inputCid: cidText(view.inputCid),
    replicas: terms.providers.length,
    quorum: terms.quorum,
    maxFuel: terms.maxFuel,
    pricePerFuel: { ...amountJson(terms.pricePerFuel, unit), per: 'fuel' },
    commitDeadline: dateOf(terms.commitDeadline),
    revealDeadline: dateOf(terms.revealDeadline),
    resultHash: settled?.resultHash ?? null,
    outputHash: result?.outputHash ?? null,
    outputCid: result?.outputCid ?? null,
    outcome: result?.outcome ?? null,
    exitCode: result?.exitCode ?? null,
    fuelUsed: settled?.fuelUsed ?? null,
    providers: terms.providers,
    paid,
    slashed,
    cost: settled ? amountJson(settled.charged, unit) : null,
    matchedBlock: view.matchedAt.blockNumber,
    settledBlock: settled?.blockNumber ?? null,
  };
}

export type DescribedTask = ReturnType<typeof describeTask>;

/** One line of a described task's value, as `task get` prints it. */
export function taskLine(key: keyof DescribedTask, task: DescribedTask, unit: TokenUnit): string {
  const value = task[key];
  if (key === 'pricePerFuel') return formatPricePerFuel(BigInt(task.pricePerFuel.baseUnits), unit);
  if (key === 'cost') return task.cost ? formatAmount(BigInt(task.cost.baseUnits), unit) : '-';
  if (key === 'maxFuel' || key === 'fuelUsed')
    return value === null ? '-' : `${(value as bigint).toLocaleString('en-US')} fuel`;
  if (Array.isArray(value)) return value.join(', ') || '-';
  if (value === null || value === undefined) return '-';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export type Cancelled = { taskId: Hex; nonce: bigint; transactionHash: Hex; matcher: string };

/**
 * Cancels an unmatched bid: on chain (`cancelBid` retires its nonce, so no matcher can match it any more), then waits
 * briefly for the matcher to drop it from its book. `target` is the task id the bid would open or the bid's nonce.
 */
export async function cancelTask(
  network: NetworkFile,
  agora: AgoraClient,
  target: string,
  progress: Progress,
): Promise<Cancelled> {
  let nonce: bigint;
  let bidHash: string | undefined;
  if (/^0x[0-9a-fA-F]{64}$/.test(target)) {
    const { status, body } = await matcherCall(network, `/bids/${target}`);
    const known = status === 200 ? bidStatusSchema.extend({ hash: z.string() }).safeParse(body) : undefined;
    if (!known?.success || known.data.nonce === undefined) {
      const matched = await agora.task(target as Hex).catch(() => null);
      throw matched
        ? new AgoraError(
            errorCodes.TASK_STATE_INVALID,
            `Task ${target} is already matched; a matched task cannot be cancelled (it settles or times out).`,
          )
        : new AgoraError(
            errorCodes.NOT_FOUND,
            `The matcher has no open bid for task ${target}; give the bid's nonce instead (agora task cancel <nonce>).`,
          );
    }
    nonce = BigInt(known.data.nonce);
    bidHash = known.data.hash;
  } else if (/^[0-9]+$/.test(target)) nonce = BigInt(target);
  else {
    throw new AgoraError(
      errorCodes.INVALID_ARGUMENT,
      `"${target}" is neither a task id (0x and 64 hex digits) nor a bid nonce (a whole number).`,
    );
  }
  const taskId = taskIdOf(agora.account, nonce);
  if (await agora.task(taskId).catch(() => null)) {
    throw new AgoraError(
      errorCodes.TASK_STATE_INVALID,
      `Task ${taskId} is already matched; a matched task cannot be cancelled (it settles or times out).`,
    );
  }
  progress('cancelling on chain', { nonce });
  const receipt = await agora.cancelBid(nonce);
  // The matcher drops the bid when it reads the cancellation from the chain, at its next poll.
  let matcher = bidHash ? 'open' : 'not known';
  for (let attempt = 0; bidHash && attempt < 50 && matcher === 'open'; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { status, body } = await matcherCall(network, `/bids/${bidHash}`);
    const outcome = status === 200 ? bidStatusSchema.safeParse(body) : undefined;
    if (outcome?.success && outcome.data.status !== 'open') matcher = outcome.data.status;
  }
  return { taskId, nonce, transactionHash: receipt.transactionHash, matcher };
}
