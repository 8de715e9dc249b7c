// The matcher: takes signed asks and bids over HTTP, admits only orders the market would take (signature, expiry,
// nonce, funds, stake), keeps them in a durable book, matches them (continuously or in batch auctions) and sends
// the matches to the chain, earning the matcher fee. Anyone may run one; nothing it does needs trust, since the
// market checks every signature and amount again.
import path from 'node:path';
import { listen, type RunningGateway } from '@agora/content';
import { AgoraError, type AgoraErrorCode, errorCodes } from '@agora/errors';
import {
  type AgoraClient,
  type Deployment,
  type PendingTerms,
  type SignedAsk,
  type SignedBid,
  computeMarketAbi,
  contractErrorOf,
  createAgoraClient,
  createSerialSender,
  createOrderHasher,
  fastLocalAccount,
  decodeResources,
  decodeTaskMatched,
  decodeTaskPending,
  encodeOrders,
  explainContractError,
  laneOf,
  lockAmount,
  orderToPlain,
  receiptOf,
  signedAskJsonSchema,
  taskIdOf,
  toAgoraError,
  agoraChain,
  rpcTransport,
} from '@agora/sdk';
import { type Logger, bodyCap, bodyLimits, createLogger, readJsonBody } from '@agora/service';
import { Hono } from 'hono';
import {
  type Chain,
  type Hex,
  concat,
  createPublicClient,
  createWalletClient,
  isAddressEqual,
  parseEventLogs,
  toHex,
} from 'viem';

import { type BookBid, type Match, type Requirements, createOrderBook } from './book.js';
import { bidPostSchema, createOrderChecks } from './checks.js';
import { openJournal } from './journal.js';
import { createStorageDesk } from './storage-desk.js';
import { type MatcherMetrics, createMatcherMetrics } from './metrics.js';

export type MatcherOptions = {
  rpcUrl: string;
  deployment: Deployment;
  privateKey: Hex;
  /** Where the book's journal lives. */
  dataDir: string;
  http?: { host?: string; port?: number };
  mode?: 'continuous' | 'batch';
  /** Length of one batch auction. */
  batchIntervalMs?: number;
  /** How often the chain is read for cancellations, fills by others, and expiry. */
  pollIntervalMs?: number;
  /** Orders the book holds at most; more are refused until some leave. */
  maxOrders?: number;
  /**
   * How long a pending replicated task is left to its drawn providers, the first of which seats it with its
   * commitment (`seatAndCommit`, one transaction for both), before the matcher seats it itself. The matcher's seat is
   * the safety net that makes drawn no-shows slashable; it goes out sooner when the draw's block is near the end of
   * the 256 the chain keeps hashes of.
   */
  seatGraceMs?: number;
};

export type BidOutcome =
  | { status: 'open' | 'matching' }
  | { status: 'matched'; taskId: Hex; transactionHash: Hex }
  | { status: 'rejected'; code: AgoraErrorCode; message: string }
  | { status: 'expired' | 'cancelled' | 'filled-elsewhere' };

type Refusal = Extract<BidOutcome, { status: 'rejected' }>;
/** What became of a match at the moment it was to go out: handed to the node, or not (the bid refused, if so). */
type Handover = { sent: true } | { sent: false; refused?: Refusal };

type JournalEntry =
  | { t: 'ask'; order: unknown; endpoint?: string | undefined; stake: string; available: number }
  | { t: 'bid'; order: unknown }
  | { t: 'fill'; hash: string }
  | { t: 'gone'; hash: string }
  | { t: 'outcome'; hash: string; outcome: BidOutcome };

const providerActive = 1;
const providerLeft = 2;
const maxOutcomes = 10_000;
/** Errors of a matcher's `seat` that say a drawn provider seated the task since the last poll (and it may be over). */
const seatedSincePoll = new Set(['ComputeAlreadySeated', 'ComputeRecordMismatch', 'ComputeTaskNotOpen']);
/** Blocks after a pending task's draw block at which the matcher seats it whatever the grace left (256 are kept). */
const seatBy = 192n;

/** Errors that say the bid itself can never be matched: it leaves the book. */
const bidFaults = new Set([
  'ComputeBidExpired',
  'ComputeNonceUsed',
  'ComputeInvalidBid',
  'ComputeInvalidReplicas',
  'ComputeModeNotInstalled',
  'ComputeModeNeedsAsks',
  'EscrowTokenNotAllowed',
  'EscrowInsufficientBalance',
]);
/** Errors that name a provider whose ask can no longer be matched: the ask leaves, the bid is matched again. */
const askFaults = new Set([
  'ComputeAskExpired',
  'ComputeAskExhausted',
  'ComputeModeNotAccepted',
  'ComputePriceTooHigh',
  'RegistryJailed',
  'RegistryInsufficientStake',
  'RegistryNotRegistered',
  'RegistryProviderLeft',
]);

/** The refusal the market itself would give (same code, same sentence), said before any gas is spent. */
function refusedAs(name: string, args: readonly unknown[]): AgoraError {
  const explained = explainContractError({ name, args });
  if (!explained) throw new Error(`no explanation for ${name}`);
  return new AgoraError(explained.code, explained.message);
}

export async function startMatcher(
  options: MatcherOptions,
  dependencies: { logger?: Logger; metrics?: MatcherMetrics } = {},
) {
  const logger = dependencies.logger ?? createLogger({ name: 'agora-matcher' });
  const metrics = dependencies.metrics ?? createMatcherMetrics();
  const { deployment } = options;
  const mode = options.mode ?? 'continuous';
  const maxOrders = options.maxOrders ?? 100_000;
  const seatGraceMs = options.seatGraceMs ?? 20_000;
  const market = deployment.contracts.computeMarket;
  const chain: Chain = agoraChain({ chainId: deployment.chainId, rpcUrl: options.rpcUrl });
  const { transport, close: closeTransport } = rpcTransport(options.rpcUrl, { retryCount: 2 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 20 });
  const account = fastLocalAccount(options.privateKey);
  const wallet = createWalletClient({ account, chain, transport });
  // Nonces are counted locally and matches go out back to back, each without waiting for the one before to be mined.
  const sender = createSerialSender(publicClient, wallet);
  const agora: AgoraClient = createAgoraClient({ publicClient, wallet, deployment });
  const hasher = createOrderHasher(deployment.chainId, market);
  const checks = createOrderChecks({
    chainId: deployment.chainId,
    market,
    matcher: account.address,
    paymentTokens: deployment.paymentTokens,
  });
  try {
    const params = await agora.params();

    const book = createOrderBook();
    let stopping = false;
    const endpoints = new Map<string, string>();
    const outcomes = new Map<string, BidOutcome>();
    /** The bid hash of each remembered outcome by the task id the bid would open: a client may ask by either. */
    const outcomeOfTask = new Map<string, string>();
    const remember = (hash: string, outcome: BidOutcome, taskId?: string) => {
      outcomes.delete(hash);
      outcomes.set(hash, outcome);
      if (taskId) outcomeOfTask.set(taskId.toLowerCase(), hash);
      if (outcomes.size > maxOutcomes) {
        const oldest = outcomes.keys().next();
        if (!oldest.done) outcomes.delete(oldest.value);
      }
      if (outcomeOfTask.size > maxOutcomes) {
        const oldest = outcomeOfTask.keys().next();
        if (!oldest.done) outcomeOfTask.delete(oldest.value);
      }
    };

    const bidEntry = (signed: SignedBid, hash: string, requirements: Requirements) => ({
      hash,
      signed,
      bid: signed.bid,
      requirements,
      maxLock: lockAmount({
        pricePerFuel: signed.bid.maxPricePerFuel,
        maxFuel: signed.bid.maxFuel,
        replicas: signed.bid.replicas,
        protocolFeeBps: params.protocolFeeBps,
        matcherFeeBps: params.matcherFeeBps,
      }),
    });
    const askEntry = (signed: SignedAsk, hash: string, stake: bigint, available: number) => ({
      hash,
      signed,
      ask: signed.ask,
      resources: decodeResources(signed.ask.resources),
      stake,
      available,
    });

    const journal = await openJournal<JournalEntry>(
      path.join(options.dataDir, 'book.jsonl'),
      (raw) => {
        const entry = raw as JournalEntry;
        if (entry.t === 'ask') {
          const signed = signedAskJsonSchema.parse(entry.order);
          const hash = toHex(hasher.ask(signed.ask));
          book.addAsk(askEntry(signed, hash, BigInt(entry.stake), entry.available));
          if (entry.endpoint) endpoints.set(signed.ask.provider.toLowerCase(), entry.endpoint);
        } else if (entry.t === 'bid') {
          const { requirements, ...signed } = bidPostSchema.parse(entry.order);
          const hash = toHex(hasher.bid(signed.bid));
          book.addBid(bidEntry(signed, hash, requirements));
        } else if (entry.t === 'fill') {
          const ask = book.asks.get(entry.hash);
          if (ask) ask.available -= 1;
        } else if (entry.t === 'gone') {
          book.removeAsk(entry.hash);
          book.removeBid(entry.hash);
        } else if (entry.t === 'outcome') {
          remember(entry.hash, entry.outcome, 'taskId' in entry.outcome ? entry.outcome.taskId : undefined);
        }
      },
      () => [
        ...[...book.asks.values()].map((ask): JournalEntry => ({
          t: 'ask',
          order: orderToPlain(ask.signed),
          ...(endpoints.has(ask.provider) ? { endpoint: endpoints.get(ask.provider) } : {}),
          stake: ask.stake.toString(),
          available: ask.available,
        })),
        ...[...book.bids.values()].map((bid): JournalEntry => ({
          t: 'bid',
          order: { ...(orderToPlain(bid.signed) as object), requirements: plainRequirements(bid.requirements) },
        })),
        ...[...outcomes].map(([hash, outcome]): JournalEntry => ({ t: 'outcome', hash, outcome })),
      ],
    );
    // A match in flight when the matcher stopped either landed (the poll below sees its TaskMatched) or did not.
    for (const bid of book.bids.values()) bid.state = 'open';
    logger.info({ ...book.size(), mode }, 'order book loaded');

    const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000));

    async function drop(hash: string, outcome?: BidOutcome) {
      book.removeAsk(hash);
      const bid = book.removeBid(hash);
      if (outcome) remember(hash, outcome, bid && taskIdOf(bid.bid.client, bid.bid.nonce));
      // Both lines asked for at once: they go to disk in one write (in this order), not one sync each.
      await Promise.all([
        journal.append({ t: 'gone', hash }),
        outcome && journal.append({ t: 'outcome', hash, outcome }),
      ]);
    }

    async function admitAsk(body: unknown) {
      const { signed, endpoint, hash } = checks.ask(body);
      const { ask } = signed;
      const now = nowSeconds();
      if (endpoint) endpoints.set(ask.provider.toLowerCase(), endpoint);
      if (book.asks.has(hash)) return { hash, status: 'open' as const };
      if (book.asks.size + book.bids.size >= maxOrders) {
        throw new AgoraError(
          errorCodes.SERVICE_UNAVAILABLE,
          `The book is full (${maxOrders} orders); try again later.`,
          {
            retryable: true,
          },
        );
      }
      const [fills, provider] = await Promise.all([
        agora.askFills(ask.provider, ask.nonce),
        agora.provider(ask.provider),
      ]);
      if (fills >= BigInt(ask.volume)) {
        throw refusedAs('ComputeAskExhausted', [ask.provider, ask.nonce]);
      }
      if (provider.status !== providerActive) {
        throw refusedAs(provider.status === providerLeft ? 'RegistryProviderLeft' : 'RegistryNotRegistered', [
          ask.provider,
        ]);
      }
      if (BigInt(provider.jailedUntil) > now) {
        throw refusedAs('RegistryJailed', [ask.provider, provider.jailedUntil]);
      }
      if (provider.bonded < params.minStake) {
        throw refusedAs('RegistryInsufficientStake', [ask.provider, provider.bonded, params.minStake]);
      }
      const available = Number(BigInt(ask.volume) - fills);
      book.addAsk(askEntry(signed, hash, provider.bonded, available));
      await journal.append({
        t: 'ask',
        order: body,
        ...(endpoint ? { endpoint } : {}),
        stake: provider.bonded.toString(),
        available,
      });
      metrics.orders.inc({ kind: 'ask', result: 'accepted' });
      if (mode === 'continuous') matchResting();
      return { hash, status: 'open' as const };
    }

    /**
     * Why the market would refuse a bid now (nonce, lane, or funds beyond the client's other open bids), read from the
     * chain; undefined when it would not. A failed read throws.
     */
    async function refusalOf({ bid }: SignedBid, entry: { maxLock: bigint }): Promise<AgoraError | undefined> {
      const { lane, seq } = laneOf(bid.nonce);
      const [laneState, balance] = await Promise.all([
        agora.laneState(bid.client, lane),
        agora.escrowBalance(bid.token, bid.client),
      ]);
      if (seq < laneState.floor || seq === 0xffffffff) return refusedAs('ComputeNonceUsed', [bid.client, bid.nonce]);
      if (laneState.status === 1) return refusedAs('ComputeLaneBusy', [bid.client, lane]);
      const committed = book.committedBy(bid.client.toLowerCase());
      if (balance.free < committed + entry.maxLock) {
        return new AgoraError(
          errorCodes.INSUFFICIENT_FUNDS,
          `${bid.client} has ${balance.free} free in escrow; this bid may lock ${entry.maxLock}` +
            (committed > 0n ? ` on top of ${committed} for its other open bids` : '') +
            '. Deposit more first (agora wallet deposit).',
        );
      }
      return undefined;
    }

    async function admitBid(body: unknown) {
      const { signed, requirements, hash } = checks.bid(body);
      const { bid } = signed;
      const now = nowSeconds();
      const taskId = taskIdOf(bid.client, bid.nonce);
      const known = outcomes.get(hash);
      if (book.bids.has(hash) || known) return { hash, taskId, ...(known ?? { status: 'open' as const }) };
      if (book.asks.size + book.bids.size >= maxOrders) {
        throw new AgoraError(
          errorCodes.SERVICE_UNAVAILABLE,
          `The book is full (${maxOrders} orders); try again later.`,
          {
            retryable: true,
          },
        );
      }
      const entry = bidEntry(signed, hash, requirements);
      const client = bid.client.toLowerCase();
      // A bid that can be matched at once, from a client with nothing else in the book, is checked by the match's own
      // simulation (nonce, lane, funds: the market checks them all), a round trip sooner than reading them first. The
      // reads then run only to say why a refused bid was refused, or to check a bid that stays in the book.
      if (mode === 'continuous' && book.committedBy(client) === 0n) {
        const added = book.addBid(entry);
        const match = book.matchBid(added, now);
        if (match) {
          const durable = journal.append({ t: 'bid', order: body });
          const handed = await submit(match);
          await durable;
          if (!handed.sent) {
            // Refused by the market: the reads say why in the words the slow path uses. Not sent for another reason
            // (an ask gone stale, the node unreachable): the bid stays in the book, checked as any resting bid is if
            // the node answers (its next match is simulated in any case).
            if (handed.refused) {
              throw (await refusalOf(signed, entry)) ?? new AgoraError(handed.refused.code, handed.refused.message);
            }
            const refusal = await refusalOf(signed, entry).catch(() => undefined);
            if (refusal) {
              await drop(hash, { status: 'rejected', code: refusal.code, message: refusal.message });
              throw refusal;
            }
          }
          metrics.orders.inc({ kind: 'bid', result: 'accepted' });
          return { hash, taskId, status: added.state };
        }
        book.removeBid(hash);
      }
      const refusal = await refusalOf(signed, entry);
      if (refusal) throw refusal;
      const added = book.addBid(entry);
      // The order as it arrived (the wire form, requirements included): no second serialization on the hot path. The
      // match goes out while the line is written: a match counts on the chain, which a restarted matcher reads.
      const durable = journal.append({ t: 'bid', order: body });
      if (mode === 'continuous') {
        const match = book.matchBid(added, now);
        if (match) void submit(match);
      }
      await durable;
      metrics.orders.inc({ kind: 'bid', result: 'accepted' });
      return { hash, taskId, status: added.state, ...waitingOf(added) };
    }

    /** Why an open bid has not matched (nothing for a bid on its way to the chain). */
    function waitingOf(bid: BookBid) {
      const waiting = bid.state === 'open' ? book.whyWaiting(bid, nowSeconds()) : undefined;
      return waiting ? { waiting } : {};
    }

    const inFlight = new Set<Promise<void>>();
    /** Sends a match; resolves once the node has the transaction or it was not sent (and the bid refused, if so). */
    function submit(match: Match): Promise<Handover> {
      let handOver: (handover: Handover) => void = () => undefined;
      const handover = new Promise<Handover>((resolve) => (handOver = resolve));
      const work = send(match, handOver)
        .catch((error: unknown) => logger.error({ err: error, bid: match.bid.hash }, 'a match could not be recorded'))
        .finally(() => {
          handOver({ sent: false });
          inFlight.delete(work);
        });
      inFlight.add(work);
      return handover;
    }

    /**
     * A hint to providers' agents to read the chain now rather than at their next poll (a wake before the transaction
     * is mined costs the agent one read that finds nothing new).
     */
    function wake(providers: readonly string[]) {
      for (const provider of providers) {
        const endpoint = endpoints.get(provider.toLowerCase());
        if (endpoint) {
          fetch(`${endpoint}/wake`, { method: 'POST', signal: AbortSignal.timeout(1_000) })
            .then((response) => response.body?.cancel())
            .catch(() => undefined);
        }
      }
    }

    async function send(match: Match, handOver: (handover: Handover) => void): Promise<void> {
      const { bid } = match;
      // A replicated bid goes alone: its seats are drawn from the replica pool (the asks it was matched with in the
      // book only tell that enough providers take such work), and `seat` follows once the match is mined.
      const replicated = bid.bid.replicas > 1;
      metrics.matches.inc({ result: 'sent' });
      let hash: Hex;
      try {
        hash = await sender.sendTransaction({
          address: market,
          abi: computeMarketAbi,
          functionName: 'matchOrders',
          args: [encodeOrders(bid.bid, bid.signed.signature, replicated ? [] : match.asks.map((a) => a.signed))],
        });
      } catch (error) {
        const refused = await failed(match, error);
        handOver(refused ? { sent: false, refused } : { sent: false });
        return;
      }
      handOver({ sent: true });
      if (!replicated) wake(match.asks.map((ask) => ask.provider));
      try {
        const receipt = await receiptOf(publicClient, hash);
        const [pending] = replicated
          ? parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'TaskPending' })
          : [];
        const [matched] = parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'TaskMatched' });
        const taskId = pending?.args.taskId ?? matched?.args.taskId;
        if (receipt.status !== 'success' || !taskId) {
          await failed(match, new AgoraError(errorCodes.TRANSACTION_REVERTED, `matchOrders reverted in ${hash}.`));
          return;
        }
        metrics.matches.inc({ result: 'matched' });
        const outcome: BidOutcome = { status: 'matched', taskId, transactionHash: hash };
        // Every line of the match in one write.
        const lines: Promise<void>[] = [];
        if (replicated) {
          book.release(match); // no ask was filled: the seats are drawn
        } else {
          for (const ask of match.asks) {
            lines.push(journal.append({ t: 'fill', hash: ask.hash }));
            if (ask.available <= 0) lines.push(drop(ask.hash));
          }
        }
        lines.push(drop(bid.hash, outcome));
        await Promise.all(lines);
        logger.info({ taskId, replicas: bid.bid.replicas, tx: hash }, 'match settled on chain');
        if (pending)
          leaveToDrawn(
            taskId,
            decodeTaskPending(pending.args.terms),
            match.asks.map((ask) => ask.provider),
          );
      } catch (error) {
        // The transaction went out; whether it landed is for the chain poll to tell (TaskMatched or not).
        logger.warn({ err: error, tx: hash }, 'could not read the receipt of a match');
      }
    }

    /** Seat waits under way: apart from `inFlight`, since a match is settled once its task is pending. */
    const seating = new Set<Promise<void>>();
    function leaveToDrawn(taskId: Hex, terms: PendingTerms, candidates?: readonly string[]) {
      const work = seatWhenDue(taskId, terms, candidates)
        .catch((error: unknown) => logger.error({ err: error, taskId }, 'a pending task could not be seated'))
        .finally(() => seating.delete(work));
      seating.add(work);
    }
    /**
     * Pending tasks left to their drawn providers until `due` (or block `by`, whichever is first); `end(true)` once
     * seen seated, `end(false)` when the matcher is to seat them (or stops).
     */
    const awaitingSeat = new Map<Hex, { due: number; by: bigint; end: (seatedByOthers: boolean) => void }>();
    /**
     * Leaves a pending task to its drawn providers (woken with the draw, simulated here, so they need not wait for
     * their next poll) and seats it if none has by the end of the grace, so that the no-shows are slashed.
     */
    async function seatWhenDue(taskId: Hex, terms: PendingTerms, candidates: readonly string[] = []) {
      if (stopping) return;
      // The providers whose asks told the matcher the bid could be served are likely drawn: woken before the draw is
      // simulated, they save the agents that round trip; the rest of the drawn are woken once it is known.
      wake(candidates);
      const draw = publicClient
        .simulateContract({
          address: market,
          abi: computeMarketAbi,
          functionName: 'seat',
          args: [terms.record, terms.content],
          account: account.address,
          blockTag: 'pending',
        })
        .then(({ result }) => {
          const drawn = decodeTaskMatched(concat([terms.content, result])).task.providers;
          wake(drawn.filter((provider) => !candidates.includes(provider.toLowerCase())));
        })
        .catch((error: unknown) => {
          // The seat below says the same in its log line (too few eligible members, or the draw out of reach).
          logger.debug({ err: error, taskId }, 'no seat preview');
        });
      const seatedByOthers = await new Promise<boolean>((resolve) =>
        awaitingSeat.set(taskId, { due: Date.now() + seatGraceMs, by: terms.drawBlock + seatBy, end: resolve }),
      );
      awaitingSeat.delete(taskId);
      await draw;
      if (seatedByOthers) metrics.seats.inc({ by: 'provider' });
      if (seatedByOthers || stopping) return;
      try {
        const receipt = await receiptOf(
          publicClient,
          await sender.sendTransaction({
            address: market,
            abi: computeMarketAbi,
            functionName: 'seat',
            args: [terms.record, terms.content],
          }),
        );
        const [matched] = parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'TaskMatched' });
        if (matched) {
          metrics.seats.inc({ by: 'matcher' });
          logger.info({ taskId, tx: receipt.transactionHash }, 'seated a pending task its providers left');
          wake(decodeTaskMatched(matched.args.terms).task.providers);
        }
      } catch (error) {
        const reverted = contractErrorOf(error);
        if (reverted && seatedSincePoll.has(reverted.name)) {
          metrics.seats.inc({ by: 'provider' });
          return;
        }
        metrics.seats.inc({ by: 'nobody' });
        logger.warn(
          { err: error, taskId, reason: reverted?.name },
          'a pending task could not be seated; it fails at its commit deadline, fully refunded',
        );
      }
    }

    /** Puts a match that was not sent back, or drops what can never match; returns the bid's refusal, if it was. */
    async function failed(match: Match, error: unknown): Promise<Refusal | undefined> {
      book.release(match);
      metrics.matches.inc({ result: 'failed' });
      const reverted = contractErrorOf(error);
      if (reverted && bidFaults.has(reverted.name)) {
        const explained = explainContractError(reverted);
        const refusal: Refusal = {
          status: 'rejected',
          code: explained?.code ?? errorCodes.CONTRACT_REVERTED,
          message: explained?.message ?? reverted.name,
        };
        await drop(match.bid.hash, refusal);
        logger.info({ bid: match.bid.hash, reason: reverted.name }, 'bid dropped');
        return refusal;
      }
      const provider = typeof reverted?.args[0] === 'string' ? reverted.args[0].toLowerCase() : undefined;
      if (reverted && (askFaults.has(reverted.name) || reverted.name === 'ComputeInvalidSignature') && provider) {
        for (const ask of match.asks) if (ask.provider === provider) await drop(ask.hash);
        logger.info({ provider, reason: reverted.name }, 'ask dropped; matching the bid again');
        if (mode === 'continuous') matchResting();
        return;
      }
      logger.warn(
        { err: toAgoraError(error, 'matchOrders'), bid: match.bid.hash },
        'match not sent; the bid stays in the book',
      );
    }

    function matchResting() {
      for (const match of book.matchResting(nowSeconds())) void submit(match);
    }

    async function runAuction() {
      const { clearingPrices, matches } = book.auction(nowSeconds(), Math.floor(Math.random() * 2 ** 32));
      for (const [token, price] of clearingPrices) {
        metrics.clearingPrice.set({ token }, Number(price));
        logger.info({ token, price, matches: matches.length }, 'batch cleared');
      }
      await Promise.all(matches.map(submit));
    }

    // The chain tells what happened outside: cancellations, tasks matched elsewhere, orders that expired.
    let nextBlock = BigInt(deployment.startBlock);
    try {
      nextBlock = (await publicClient.getBlockNumber()) + 1n;
    } catch (error) {
      throw toAgoraError(error, 'connect');
    }
    // This matcher's pending tasks from before it started: their seats can still be drawn, so the grace starts again.
    const drawable = nextBlock > 256n ? nextBlock - 256n : 0n;
    const [pendingLogs, matchedLogs] = await Promise.all([
      publicClient.getContractEvents({
        address: market,
        abi: computeMarketAbi,
        eventName: 'TaskPending',
        fromBlock: drawable,
      }),
      publicClient.getContractEvents({
        address: market,
        abi: computeMarketAbi,
        eventName: 'TaskMatched',
        fromBlock: drawable,
      }),
    ]);
    const seated = new Set(matchedLogs.map((log) => log.args.taskId));
    for (const log of pendingLogs) {
      const { taskId, terms } = log.args;
      if (!taskId || !terms || seated.has(taskId)) continue;
      const pending = decodeTaskPending(terms);
      if (!isAddressEqual(pending.matcher, account.address)) continue;
      leaveToDrawn(taskId, pending);
    }

    async function poll() {
      const latest = await publicClient.getBlockNumber();
      if (latest >= nextBlock) {
        const logs = await publicClient.getContractEvents({
          address: market,
          abi: computeMarketAbi,
          fromBlock: nextBlock,
          toBlock: latest,
        });
        nextBlock = latest + 1n;
        for (const log of logs) {
          if (log.eventName === 'AskCancelled') {
            const { provider, nonce } = log.args;
            for (const ask of [...book.asks.values()]) {
              if (ask.provider === provider?.toLowerCase() && ask.ask.nonce === nonce) await drop(ask.hash);
            }
          } else if (log.eventName === 'BidCancelled' || log.eventName === 'TaskMatched') {
            if (log.eventName === 'TaskMatched' && log.args.taskId) awaitingSeat.get(log.args.taskId)?.end(true);
            const client = log.args.client?.toLowerCase();
            for (const bid of [...book.bids.values()]) {
              if (bid.state !== 'open' || bid.bid.client.toLowerCase() !== client) continue;
              if (log.args.taskId === taskIdOf(bid.bid.client, bid.bid.nonce)) {
                await drop(bid.hash, { status: log.eventName === 'BidCancelled' ? 'cancelled' : 'filled-elsewhere' });
              }
            }
          }
        }
      }
      for (const [taskId, waiting] of awaitingSeat) {
        if (Date.now() >= waiting.due || latest >= waiting.by) {
          awaitingSeat.delete(taskId);
          waiting.end(false);
        }
      }
      const now = nowSeconds();
      for (const bid of [...book.bids.values()])
        if (bid.state === 'open' && bid.bid.deadline <= now) await drop(bid.hash, { status: 'expired' });
      for (const ask of [...book.asks.values()]) if (ask.ask.expiry <= now) await drop(ask.hash);
      metrics.bookSize.set({ kind: 'ask' }, book.asks.size);
      metrics.bookSize.set({ kind: 'bid' }, book.bids.size);
    }

    const timers: NodeJS.Timeout[] = [];
    const guarded = (where: string, work: () => Promise<void>) => () => {
      if (stopping) return;
      work().catch((error: unknown) => logger.error({ err: error, where }, `${where} failed; retrying`));
    };
    timers.push(setInterval(guarded('poll', poll), options.pollIntervalMs ?? 1_000));
    if (mode === 'batch') timers.push(setInterval(guarded('auction', runAuction), options.batchIntervalMs ?? 2_000));
    else matchResting();

    const app = new Hono();
    app.use('*', bodyCap(bodyLimits.json));
    const answer = async (work: () => Promise<unknown>, kind: 'ask' | 'bid') => {
      try {
        return Response.json(await work(), { status: 201 });
      } catch (error) {
        const failure = toAgoraError(error, `${kind} admission`);
        const code = failure instanceof AgoraError ? failure.code : errorCodes.CHAIN_UNAVAILABLE;
        const message = failure instanceof Error ? failure.message : String(failure);
        metrics.orders.inc({ kind, result: code });
        const status = code === errorCodes.CHAIN_UNAVAILABLE || code === errorCodes.SERVICE_UNAVAILABLE ? 503 : 400;
        if (status === 503) logger.warn({ err: error }, 'order admission failed');
        return Response.json({ error: { code, message } }, { status });
      }
    };
    const readJson = readJsonBody;
    app.post('/asks', async (c) => answer(async () => admitAsk(await readJson(c.req.raw)), 'ask'));
    createStorageDesk({ sender, account: account.address, deployment, logger }).routes(app, answer, readJson);
    app.post('/bids', async (c) => answer(async () => admitBid(await readJson(c.req.raw)), 'bid'));
    // A bid by its hash, or by the task id it would open (what a client that lost the hash still has).
    app.get('/bids/:id', (c) => {
      const id = c.req.param('id').toLowerCase();
      const bid =
        book.bids.get(id) ??
        [...book.bids.values()].find((entry) => taskIdOf(entry.bid.client, entry.bid.nonce).toLowerCase() === id);
      const hash = bid?.hash ?? outcomeOfTask.get(id) ?? id;
      const outcome = bid ? { status: bid.state, ...waitingOf(bid) } : outcomes.get(hash);
      if (!outcome)
        return c.json({ error: { code: errorCodes.NOT_FOUND, message: `This matcher has no bid ${id}.` } }, 404);
      return c.json({
        hash,
        ...(bid ? { taskId: taskIdOf(bid.bid.client, bid.bid.nonce), nonce: bid.bid.nonce.toString() } : {}),
        ...outcome,
      });
    });
    app.get('/book', (c) =>
      c.json({
        mode,
        asks: [...book.asks.values()].map((ask) => ({
          hash: ask.hash,
          provider: ask.ask.provider,
          token: ask.ask.token,
          pricePerFuel: ask.ask.pricePerFuel.toString(),
          available: ask.available,
          expiry: Number(ask.ask.expiry),
          resources: ask.resources,
        })),
        bids: [...book.bids.values()].map((bid) => ({
          hash: bid.hash,
          client: bid.bid.client,
          token: bid.bid.token,
          maxPricePerFuel: bid.bid.maxPricePerFuel.toString(),
          replicas: bid.bid.replicas,
          deadline: Number(bid.bid.deadline),
          state: bid.state,
        })),
      }),
    );
    app.get('/providers', (c) => c.json(Object.fromEntries(endpoints)));
    app.get('/health', (c) => c.json({ status: 'ok', matcher: account.address, mode, ...book.size() }));
    app.get('/metrics', async (c) =>
      c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
    );

    const server: RunningGateway = await listen(app, options.http ?? {});
    logger.info({ url: server.url, matcher: account.address, mode }, 'matcher listening');

    return {
      url: server.url,
      address: account.address,
      book,
      /** Reads the chain now instead of waiting for the next poll. */
      pollNow: poll,
      auctionNow: runAuction,
      /** Waits for matches on their way to the chain. */
      settle: async () => {
        while (inFlight.size > 0) await Promise.all([...inFlight]);
      },
      async stop() {
        stopping = true;
        for (const timer of timers) clearInterval(timer);
        await server.close();
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        // A pending task left waiting is seated by its drawn providers, or by this matcher when it starts again.
        for (const waiting of awaitingSeat.values()) waiting.end(false);
        await Promise.allSettled([...seating]);
        await journal.close();
        await closeTransport();
        logger.info('matcher stopped');
      },
    };
  } catch (error) {
    // A WebSocket left open would keep the process alive after a failed start.
    await closeTransport();
    throw error;
  }
}

export type Matcher = Awaited<ReturnType<typeof startMatcher>>;

function plainRequirements(requirements: Requirements): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(requirements).map(([key, value]) => [key, typeof value === 'bigint' ? value.toString() : value]),
  );
}
