// The indexer (Ponder) and its HTTP API against a local network with real activity: providers, a replicated
// task's timeline, reviews and both scores, a storage deal's proof history, statistics over time, clear 400s,
// the same answers from PostgreSQL as from PGlite, and a reorg rolled back.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DevNetwork, startDevNetwork } from '@agora/cli';
import { examplePath } from '@agora/examples';
import { type RunningIndexer, startIndexer } from '@agora/indexer';
import { agoraChain, createAgoraClient, decodeResources, reviewScore } from '@agora/sdk';
import { createLogger } from '@agora/service';
import { type Hex, createPublicClient, createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agora } from '../src/agora-cli.js';
import { type Postgres, startPostgres } from '../src/postgres.js';
import { until } from '../src/wait.js';

type Json = Record<string, unknown>;

describe('indexer and API on a local network', () => {
  let dir: string;
  let dev: DevNetwork;
  let postgres: Postgres;
  let onPglite: RunningIndexer;
  let onPostgres: RunningIndexer;
  let env: Record<string, string>;
  let r1TaskId: Hex;
  let r3TaskId: Hex;
  let dealId: string;

  const get = async (indexer: RunningIndexer, route: string) => {
    const response = await fetch(`${indexer.url}${route}`);
    return { status: response.status, body: (await response.json()) as Json };
  };
  /** Polls the PGlite indexer until `accept` takes the body of `route`. */
  const poll = <T>(what: string, route: string, accept: (body: Json) => T | undefined, indexer?: RunningIndexer) =>
    until(
      what,
      async () => {
        const { status, body } = await get(indexer ?? onPglite, route);
        return status === 200 ? accept(body) : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 300 },
    );

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agora-indexer-'));
    // Blocks on an interval, as Ponder needs (it falls behind a chain mining one block per transaction).
    [dev, postgres] = await Promise.all([
      startDevNetwork({
        dir: path.join(dir, 'net'),
        providers: 3,
        agents: 3,
        blockTime: 1,
        storagePeriodBlocks: 8,
        storageWindowBlocks: 4,
        logger: createLogger({ level: process.env.AGORA_TEST_LOG ?? 'silent' }),
      }),
      startPostgres(),
    ]);
    env = { AGORA_KEYS_DIR: path.join(dir, 'keys') };
    [onPglite, onPostgres] = await Promise.all([
      startIndexer({ rpcUrl: dev.network.rpcUrl, deployment: dev.deployment, dir: path.join(dir, 'pglite') }),
      startIndexer({
        rpcUrl: dev.network.rpcUrl,
        deployment: dev.deployment,
        dir: path.join(dir, 'postgres'),
        databaseUrl: postgres.url,
      }),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([onPglite?.stop(), onPostgres?.stop()]);
    await Promise.all([dev?.stop(), postgres?.stop()]);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('lists the registered providers with the resources and stake the chain holds', async () => {
    const sdk = createAgoraClient({
      publicClient: createPublicClient({ transport: http(dev.network.rpcUrl) }),
      deployment: dev.deployment,
    });
    // A provider registers, then stakes, in two blocks: the list can show it before its stake is indexed.
    const staked = await poll('three providers with their stake', '/providers?sort=stake', (body) => {
      const list = body.providers as Json[];
      return list.length === 3 && list.every((p) => p.bonded !== '0') ? list : undefined;
    });
    for (const listed of staked) {
      const onChain = await sdk.provider(listed.address as Hex);
      const resources = decodeResources(onChain.resources);
      expect(listed.bonded).toBe(onChain.bonded.toString());
      expect(listed.resources).toMatchObject({
        cpuCores: resources.cpuCores,
        memoryMiB: resources.memoryMiB,
        region: resources.region,
        // Every dev agent runs the storage role, so each registered as offering storage.
        storage: true,
      });
      expect(listed.status).toBe('active');
    }
    const bigMachines = await get(
      onPglite,
      `/providers?minCpuCores=${(staked[0]!.resources as Json).cpuCores as number}`,
    );
    expect((bigMachines.body.providers as Json[]).length).toBeGreaterThan(0);
    const nowhere = await get(onPglite, '/providers?region=250');
    expect(nowhere.body.providers).toEqual([]);
  });

  it("follows a 3-replica task's timeline: match, commits, three reveals, settlement", async () => {
    const submitted = await agora(
      ['task', 'submit', examplePath('wordcount'), '--replicas', '3', '--wait', '--network', dev.file],
      env,
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    r3TaskId = submitted.json.taskId as Hex;
    // On PGlite (one connection shared by indexing and the API) a read can land between the statements that write
    // one block, so wait for the settlement in both the row and the timeline.
    const task = await poll('the settled task', `/tasks/${r3TaskId}`, (body) =>
      body.status === 'finalized' && (body.timeline as Json[]).some((step) => step.kind === 'settled')
        ? body
        : undefined,
    );
    const kinds = (task.timeline as Json[]).map((step) => step.kind);
    const count = (kind: string) => kinds.filter((step) => step === kind).length;
    expect(kinds[0]).toBe('matched');
    // Two or three commits: the last agent to commit reveals without one (`revealLast`) when it sees the others'.
    expect(count('committed')).toBeGreaterThanOrEqual(2);
    expect(count('committed')).toBeLessThanOrEqual(3);
    expect(count('revealed')).toBe(3);
    expect(count('settled')).toBe(1);
    // The second agreeing reveal reaches the quorum of 2 and settles; the third reveal may come after it.
    const secondReveal = kinds.indexOf('revealed', kinds.indexOf('revealed') + 1);
    expect(kinds.indexOf('settled')).toBeGreaterThan(secondReveal);
    expect(task.charged).toBe((submitted.json.cost as { baseUnits: string }).baseUnits);
    expect(task.fuelUsed).toBe(submitted.json.fuelUsed);
    expect((task.paid as string[]).sort()).toEqual(
      (submitted.json.providers as string[]).map((address) => address.toLowerCase()).sort(),
    );
  }, 120_000);

  it('ranks a reviewed provider by the review and by its record, the same as the chain says', async () => {
    const submitted = await agora(['task', 'submit', examplePath('wordcount'), '--wait', '--network', dev.file], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    r1TaskId = submitted.json.taskId as Hex;
    const reviewed = await agora(
      ['review', r1TaskId, '--rating', '5', '--text', 'Fast and right.', '--network', dev.file],
      env,
    );
    expect(reviewed.code, reviewed.stderr).toBe(0);
    const provider = (reviewed.json.provider as string).toLowerCase();

    const reviews = await poll('the review', `/providers/${provider}/reviews`, (body) => {
      const list = body.reviews as Json[];
      return list.length === 1 ? list : undefined;
    });
    expect(reviews[0]).toMatchObject({
      reviewId: reviewed.json.reviewId,
      subject: 'task',
      subjectId: r1TaskId,
      rating: 5,
      weight: reviewed.json.weight,
      textCid: reviewed.json.textCid,
      responseCid: null,
    });
    const shown = await agora(['provider', 'show', provider, '--network', dev.file], env);
    const listed = await poll('its scores', `/providers/${provider}`, (body) =>
      (body.reviews as Json).count === 1 ? body : undefined,
    );
    expect((listed.reviews as Json).score).toBeCloseTo(
      reviewScore([{ rating: 5, weight: BigInt(reviewed.json.weight as string) }]).lowerBound!,
    );
    // The objective record the indexer keeps is the one the CLI reads from the chain's logs.
    const objective = shown.json.objective as Json;
    expect(listed.objective).toMatchObject({
      tasksPaid: objective.tasksPaid,
      tasksSlashed: objective.tasksSlashed,
      tasksFailed: objective.tasksFailed,
      reliability: objective.reliability,
      score: objective.lowerBound,
    });
    const ranked = await get(onPglite, '/providers?sort=reviewScore');
    expect((ranked.body.providers as Json[])[0]!.address).toBe(provider);
  }, 120_000);

  it("keeps a storage deal's proof history through to its end, and its review", async () => {
    const file = path.join(dir, 'notes.bin');
    await writeFile(
      file,
      new Uint8Array(64 * 1024).map((_, index) => index % 251),
    );
    const put = await agora(
      ['store', 'put', file, '--replicas', '1', '--duration', '2', '--no-encrypt', '--network', dev.file],
      env,
    );
    expect(put.code, JSON.stringify(put.json)).toBe(0);
    dealId = String(put.json.dealId);
    const finished = await poll('the deal finished', `/deals/${dealId}`, (body) =>
      body.status === 'finished' && (body.steps as Json[]).some((step) => step.kind === 'finished') ? body : undefined,
    );
    const steps = finished.steps as Json[];
    expect(steps[0]).toMatchObject({ kind: 'opened' });
    expect(steps.at(-1)).toMatchObject({ kind: 'finished' });
    const proofs = steps.filter((step) => step.kind === 'proven');
    expect(proofs.map((step) => step.period)).toEqual([0, 1]);
    expect(finished).toMatchObject({ proofs: 2, misses: 0, size: String(64 * 1024), cid: put.json.cid });

    const reviewed = await agora(['review', dealId, '--rating', '4', '--text', 'Kept it.', '--network', dev.file], env);
    expect(reviewed.code, reviewed.stderr).toBe(0);
    const holder = (put.json.providers as string[])[0]!.toLowerCase();
    await poll('the deal review', `/providers/${holder}/reviews`, (body) =>
      (body.reviews as Json[]).some((review) => review.subject === 'deal' && review.subjectId === dealId)
        ? true
        : undefined,
    );
    const history = await get(onPglite, `/providers/${holder}/history`);
    expect((history.body.storage as Json[]).filter((step) => step.kind === 'proven')).toHaveLength(2);
  }, 180_000);

  it('sums market activity per minute and per hour', async () => {
    const perMinute = await poll('the statistics', '/stats?interval=minute', (body) => {
      const points = body.points as Json[];
      const sum = (key: string) => points.reduce((total, point) => total + (point[key] as number), 0);
      return sum('reviews') === 2 ? { points, sum } : undefined;
    });
    expect(perMinute.sum('tasksMatched')).toBe(2);
    expect(perMinute.sum('tasksFinalized')).toBe(2);
    expect(perMinute.sum('dealsOpened')).toBe(1);
    expect(perMinute.sum('storageProofs')).toBe(2);
    const perHour = await get(onPglite, '/stats?interval=hour');
    const hourly = perHour.body.points as Json[];
    expect(hourly.reduce((total, point) => total + (point.tasksMatched as number), 0)).toBe(2);
    expect(hourly.length).toBeLessThanOrEqual(2);
    const summary = await get(onPglite, '/stats/summary');
    expect(summary.body).toMatchObject({
      providers: { total: 3, active: 3 },
      tasks: { total: 2, finalized: 2 },
      reviews: 2,
    });
  });

  it('answers bad parameters with a 400 that names them, and unknown ids with a 404', async () => {
    const cases: [string, string][] = [
      ['/providers?limit=0', 'limit'],
      ['/providers?sort=cheapest', 'sort'],
      ['/providers?minStake=lots', 'minStake'],
      ['/tasks/0x12', 'taskId'],
      ['/deals/abc', 'dealId'],
      ['/stats?interval=week', 'interval'],
      ['/stats?from=10&to=5', 'from'],
    ];
    for (const [route, parameter] of cases) {
      const { status, body } = await get(onPglite, route);
      expect(status, route).toBe(400);
      expect((body.error as Json).code).toBe('AGORA_INVALID_ARGUMENT');
      expect((body.error as Json).message, route).toContain(parameter);
    }
    const unknown = await get(onPglite, `/tasks/0x${'ab'.repeat(32)}`);
    expect(unknown.status).toBe(404);
    const openapi = await get(onPglite, '/openapi.json');
    expect(Object.keys(openapi.body.paths as Json)).toEqual(
      expect.arrayContaining(['/providers', '/providers/{address}', '/tasks/{taskId}', '/deals/{dealId}', '/stats']),
    );
  });

  it('gives the same answers from PostgreSQL as from PGlite', async () => {
    const routes = [
      '/providers?sort=objectiveScore',
      `/tasks/${r3TaskId}`,
      `/tasks/${r1TaskId}`,
      `/deals/${dealId}`,
      '/stats?interval=minute',
      '/stats/summary',
    ];
    for (const route of routes) {
      const expected = (await get(onPglite, route)).body;
      await until(
        `PostgreSQL's ${route}`,
        async () =>
          JSON.stringify((await get(onPostgres, route)).body) === JSON.stringify(expected) ? true : undefined,
        { timeoutMs: 60_000, intervalMs: 300 },
      );
    }
  }, 120_000);

  it('rolls back what a reorg removed', async () => {
    const chain = agoraChain({ chainId: dev.network.chainId, rpcUrl: dev.network.rpcUrl });
    const transport = http(dev.network.rpcUrl);
    const publicClient = createPublicClient({ chain, transport });
    const staker = createAgoraClient({
      publicClient,
      wallet: createWalletClient({ account: privateKeyToAccount(dev.providerKeys[2]!), chain, transport }),
      deployment: dev.deployment,
    });
    const address = staker.account.toLowerCase();
    const before = (await get(onPglite, `/providers/${address}`)).body.resources as Json;
    const snapshot = (await publicClient.request({ method: 'evm_snapshot' as never })) as unknown as Hex;
    const current = await staker.provider(staker.account);
    await staker.updateProfile({ ...decodeResources(current.resources), cpuCores: 99 }, current.metadataCid);
    await poll('the new profile indexed', `/providers/${address}`, (body) =>
      (body.resources as Json).cpuCores === 99 ? true : undefined,
    );
    await publicClient.request({ method: 'evm_revert' as never, params: [snapshot] as never });
    // Blocks keep coming on the interval; the new chain no longer has the update.
    await poll('the update rolled back', `/providers/${address}`, (body) =>
      (body.resources as Json).cpuCores === before.cpuCores ? true : undefined,
    );
  }, 120_000);
});
