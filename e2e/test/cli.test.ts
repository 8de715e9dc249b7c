// The `agora` CLI against a whole local network (anvil, contracts, matcher, agents, gateway), as a user drives it:
// results checked against `agora run`, a liar slashed, bad orders refused with a clear code, a matcher restart.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DevNetwork, startDevNetwork } from '@agora/cli';
import { examplePath } from '@agora/examples';
import { loadConfig } from '@agora/agent';
import { startMatcher } from '@agora/matcher';
import { type AgoraClient, commitmentOf, createAgoraClient, orderToJson, agoraChain } from '@agora/sdk';
import { createLogger, readKeystore } from '@agora/service';
import { type Hex, createPublicClient, createWalletClient, http, keccak256, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../src/wait.js';
import { agora, agoraBin, errorCodeOf } from '../src/agora-cli.js';

describe('agora CLI on a local network', () => {
  let dev: DevNetwork;
  let dir: string;
  let networkFile: string;
  let inputFile: string;
  /** The 3-replica task in which provider 3 lied and was slashed, reviewed below. */
  let slashedTask: { taskId: Hex; liar: Hex };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agora-cli-'));
    // Three agents; a fourth provider is registered and staked without one, for the test to drive as a liar.
    dev = await startDevNetwork({
      dir: path.join(dir, 'net'),
      providers: 4,
      agents: 3,
      blockTime: 0,
      logger: createLogger({ level: process.env.AGORA_TEST_LOG ?? 'silent' }),
    });
    networkFile = dev.file;
    inputFile = path.join(dir, 'input.txt');
    await writeFile(inputFile, 'one two three\nfour five\n');
  }, 120_000);

  afterAll(async () => {
    await dev?.stop();
  });

  async function localRun(app: string, args: string[], input?: string) {
    const result = await agora([
      'run',
      app,
      ...(input ? ['--input', input] : []),
      ...(args.length ? ['--', ...args] : []),
    ]);
    expect(result.code).toBe(0);
    return result.json as {
      outputHash: string;
      outputCid: string;
      fuelUsed: number;
      stdout: string;
      resultHash: string;
    };
  }

  it('runs a task on 1 replica and gives the bytes, hash and fuel `agora run` gives', async () => {
    const app = examplePath('wordcount');
    const submitted = await agora(['task', 'submit', app, '--input', inputFile, '--wait', '--network', networkFile]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const local = await localRun(app, [], inputFile);
    expect(submitted.json).toMatchObject({
      status: 'finalized',
      outputHash: local.outputHash,
      outputCid: local.outputCid,
      fuelUsed: String(local.fuelUsed),
      resultHash: local.resultHash,
      outcome: 'exited',
      exitCode: 0,
    });
    expect(submitted.json.output).toBe(local.stdout);
    expect(submitted.json.providers).toHaveLength(1);
    // The cheapest provider (price 2) took it; the client paid fuel × price plus fees, exactly what the chain charged.
    expect(submitted.json.pricePerFuel).toEqual({ value: '0.000002', token: 'tUSD', baseUnits: '2', per: 'fuel' });
    const cost = submitted.json.cost as { value: string; token: string; baseUnits: string };
    expect(BigInt(cost.baseUnits)).toBeGreaterThanOrEqual(2n * BigInt(local.fuelUsed));
    // The exact decimal of the base units, in tUSD's 6 decimals.
    expect(cost.token).toBe('tUSD');
    expect(Number(cost.value) * 1e6).toBeCloseTo(Number(cost.baseUnits), 0);
    expect(submitted.stderr).toContain('"progress":"posting bid"');
    // The most the bid may lock is said before it goes out: 100,000,000 fuel × 0.00001 tUSD plus fees.
    const bound = submitted.stderr.split('\n').find((line) => line.includes('costs at most'));
    expect(bound).toMatch(/"progress":"costs at most 1,0\d\d(\.\d+)? tUSD"/);

    const taskId = submitted.json.taskId as string;
    const got = await agora(['task', 'get', taskId, '--network', networkFile]);
    // Its terms as the README promises them, and the output of a settled task fetched and checked.
    expect(got.json).toMatchObject({
      status: 'finalized',
      cost: submitted.json.cost,
      fuelUsed: String(local.fuelUsed),
      replicas: 1,
      maxFuel: '100000000',
      pricePerFuel: { baseUnits: '2', token: 'tUSD' },
      outputHash: local.outputHash,
      outputCid: local.outputCid,
      outcome: 'exited',
      exitCode: 0,
      outputUnavailable: null,
    });
    expect(got.json.appCid).toMatch(/^bafk/);
    expect(got.json.inputCid).toMatch(/^bafk/);
    expect(Date.parse(got.json.commitDeadline as string)).toBeGreaterThan(Date.parse('2020-01-01'));
    const out = path.join(dir, 'out.bin');
    const fetched = await agora(['task', 'result', taskId, '--out', out, '--network', networkFile]);
    expect(fetched.json).toMatchObject({ outputHash: local.outputHash, file: out });
    expect(Buffer.from(await readFile(out)).toString('base64')).toBe(local.stdout);
  });

  it('runs a task on 3 replicas with arguments; all three are paid', async () => {
    const app = examplePath('primes');
    const submitted = await agora([
      'task',
      'submit',
      app,
      '--replicas',
      '3',
      '--wait',
      '--network',
      networkFile,
      '--',
      '500',
    ]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const local = await localRun(app, ['500']);
    expect(submitted.json).toMatchObject({
      status: 'finalized',
      outputHash: local.outputHash,
      fuelUsed: String(local.fuelUsed),
    });
    expect(submitted.json.output).toBe(local.stdout);
    expect(submitted.json.paid).toHaveLength(3);
    expect(submitted.json.slashed).toEqual([]);
    // The pool holds the three agents (floors 2, 3 and 4), so all three are drawn; each is paid the highest floor.
    expect(submitted.json.pricePerFuel).toMatchObject({ value: '0.000004', baseUnits: '4' });
  });

  it('answers careless input with a stable code and a message that says what is accepted', async () => {
    const notAKey = path.join(dir, 'not-a-key.json');
    await writeFile(notAKey, 'hello');
    const cases: { args: string[]; code: string; message: RegExp }[] = [
      {
        args: ['wallet', 'deposit', 'abc'],
        code: 'AGORA_INVALID_ARGUMENT',
        message: /must be an amount of tUSD like 1\.5 \(at most 6 decimals\) or base units like 1500000base; got "abc"/,
      },
      {
        args: ['wallet', 'withdraw', '0'],
        code: 'AGORA_INVALID_ARGUMENT',
        message: /above 0/,
      },
      {
        args: ['task', 'submit', examplePath('wordcount'), '--max-price', '1.5 ETH'],
        code: 'AGORA_INVALID_ARGUMENT',
        message: /--max-price must be an amount of tUSD/,
      },
      {
        args: ['provider', 'show', '0x000000000000000000000000000000000000dEaD'],
        code: 'AGORA_PROVIDER_NOT_ELIGIBLE',
        message: /has never registered as a provider/,
      },
      {
        args: ['store', 'put', path.join(dir, 'no-such-file.bin')],
        code: 'AGORA_INVALID_ARGUMENT',
        message: /Cannot read the file .*no-such-file\.bin: ENOENT/,
      },
    ];
    for (const { args, code, message } of cases) {
      const result = await agora([...args, '--network', networkFile]);
      expect({ args, code: result.code, error: errorCodeOf(result) }).toEqual({ args, code: 2, error: code });
      expect((result.json.error as { message: string }).message).toMatch(message);
    }
  });

  it('asks on a terminal before a task that could cost more than the threshold, and posts nothing on no', async () => {
    // `script` gives the command a real terminal, as a user at a shell has.
    const command = [process.execPath, agoraBin, 'task', 'submit', examplePath('wordcount'), '--network', networkFile];
    const child = spawn('script', ['-qec', command.join(' '), '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('Submit it? [y/N]') && !child.stdin.writableEnded) child.stdin.end('n\n');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(seen).toMatch(/This task can cost up to 1,0\d\d(\.\d+)? tUSD \(fuel × price × replicas, plus fees\)/);
    expect(seen).toMatch(/error AGORA_DECLINED: Not submitted/);
    expect(seen).not.toMatch(/posting bid/);
    expect(code).toBe(2);
  });

  it('says why a bid does not match while it waits, and cancels it on chain and in the book', async () => {
    const app = examplePath('wordcount');
    const tooMany = await agora([
      'task',
      'submit',
      app,
      '--replicas',
      '5',
      '--wait',
      '--timeout',
      '3',
      '--network',
      networkFile,
    ]);
    expect(errorCodeOf(tooMany)).toBe('AGORA_TIMEOUT');
    expect(tooMany.stderr).toMatch(
      /"progress":"waiting for providers: 3 providers sell compute for this token now; it needs 5 distinct providers\.","seconds":[0-9.]+,"reason":"not-enough-providers"/,
    );
    // Cancelled by the task id it would open: the chain retires the nonce, the matcher drops the bid.
    const waitingTask = /Task (0x[0-9a-f]{64})/.exec((tooMany.json.error as { message: string }).message)?.[1];
    const cancelled = await agora(['task', 'cancel', waitingTask ?? 'none', '--network', networkFile]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.json).toMatchObject({ taskId: waitingTask, matcher: 'cancelled' });
    const again = await agora(['task', 'cancel', String(cancelled.json.nonce), '--network', networkFile]);
    expect(errorCodeOf(again)).toBe('AGORA_NONCE_USED');

    // Said at once, in the matcher's answer to the bid.
    const cheap = await agora(['task', 'submit', app, '--max-price', '1base', '--network', networkFile]);
    expect(cheap.stderr).toMatch(/waiting for providers: Its max price of 1 base units per fuel is below 2/);
    const dropped = await agora(['task', 'cancel', cheap.json.taskId as string, '--network', networkFile]);
    expect(dropped.json).toMatchObject({ matcher: 'cancelled' });
    expect(errorCodeOf(await agora(['task', 'cancel', 'soon', '--network', networkFile]))).toBe(
      'AGORA_INVALID_ARGUMENT',
    );
  });

  describe('bad orders', () => {
    it('refuses a malformed app before any money moves', async () => {
      const bogus = path.join(dir, 'bogus.wasm');
      await writeFile(bogus, 'not wasm at all');
      const result = await agora(['task', 'submit', bogus, '--network', networkFile]);
      expect(result.code).toBe(2);
      expect(errorCodeOf(result)).toBe('AGORA_WASM_NOT_WASM');
    });

    it('refuses an expired bid', async () => {
      const past = String(Math.floor(Date.now() / 1000) - 60);
      const result = await agora(['task', 'submit', examplePath('echo'), '--deadline', past, '--network', networkFile]);
      expect(result.code).toBe(2);
      expect(errorCodeOf(result)).toBe('AGORA_ORDER_EXPIRED');
      expect((result.json.error as { message: string }).message).toMatch(/expired at .*later deadline/);
    });

    it('refuses a replayed bid (a nonce already used)', async () => {
      const nonce = String((123_456n << 32n) | 1n);
      const first = await agora([
        'task',
        'submit',
        examplePath('echo'),
        '--nonce',
        nonce,
        '--wait',
        '--network',
        networkFile,
      ]);
      expect(first.json.status).toBe('finalized');
      const replay = await agora(['task', 'submit', examplePath('echo'), '--nonce', nonce, '--network', networkFile]);
      expect(replay.code).toBe(2);
      expect(errorCodeOf(replay)).toBe('AGORA_NONCE_USED');
    });

    it('refuses a bid its client cannot pay for, naming what is free and what is needed', async () => {
      // Anvil's last dev key: ETH for gas, nothing in escrow.
      const unfunded = '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6';
      const result = await agora(['task', 'submit', examplePath('echo'), '--network', networkFile], {
        AGORA_PRIVATE_KEY: unfunded,
      });
      expect(result.code).toBe(2);
      expect(errorCodeOf(result)).toBe('AGORA_INSUFFICIENT_FUNDS');
      expect((result.json.error as { message: string }).message).toMatch(/has 0 free in escrow; this bid may lock \d+/);
    });
  });

  it('moves money between wallet and escrow, and refuses a deposit the wallet cannot cover', async () => {
    const before = await agora(['wallet', 'balance', '--network', networkFile]);
    expect(before.code).toBe(0);
    const base = (amount: unknown) => BigInt((amount as { baseUnits: string }).baseUnits);
    const held = base(before.json.wallet);
    const tooMuch = await agora(['wallet', 'deposit', `${held + 1n}base`, '--network', networkFile]);
    expect(tooMuch.code).toBe(2);
    expect(errorCodeOf(tooMuch)).toBe('AGORA_INSUFFICIENT_FUNDS');
    // Amounts in tUSD as people write them (0.005 is 5,000 base units) and in base units when asked for.
    const withdrawn = await agora(['wallet', 'withdraw', '0.005', '--network', networkFile]);
    expect(withdrawn.json.amount).toEqual({ value: '0.005', token: 'tUSD', baseUnits: '5000' });
    expect(base(withdrawn.json.escrowFree)).toBe(base(before.json.escrowFree) - 5000n);
    await agora(['wallet', 'deposit', '2000base', '--network', networkFile]);
    const after = await agora(['wallet', 'balance', '--network', networkFile]);
    expect(base(after.json.wallet)).toBe(held + 3000n);
    expect(base(after.json.escrowFree)).toBe(base(before.json.escrowFree) - 3000n);
    const precise = await agora(['wallet', 'deposit', '0.0000001', '--network', networkFile]);
    expect(errorCodeOf(precise)).toBe('AGORA_INVALID_ARGUMENT');
    expect((precise.json.error as { message: string }).message).toMatch(/more decimals than tUSD \(6\)/);
  });

  it('slashes a provider whose result disagrees with the other two', async () => {
    const liarKey = dev.providerKeys[3] as Hex;
    const chain = agoraChain({ chainId: dev.network.chainId, rpcUrl: dev.network.rpcUrl });
    const transport = http(dev.network.rpcUrl);
    const liar: AgoraClient = createAgoraClient({
      publicClient: createPublicClient({ chain, transport }),
      wallet: createWalletClient({ account: privateKeyToAccount(liarKey), chain, transport }),
      deployment: dev.deployment,
    });
    // The liar joins the replica pool at the lowest floor, 1; a bid at most 3 per fuel is then open to it and to the
    // agents asking 2 and 3 only, so all three are drawn and it sits beside two honest providers. Its ask on the book
    // tells the matcher that three providers take such a bid.
    const expiry = Math.floor(Date.now() / 1000) + 600;
    await liar.joinPool({ token: dev.network.token, floorPricePerFuel: 1n, expiry });
    const signed = await liar.signAsk({
      provider: liar.account,
      token: dev.network.token,
      pricePerFuel: 1n,
      resources: (await liar.provider(liar.account)).resources,
      modes: 1,
      volume: 1,
      expiry: BigInt(expiry),
      nonce: 1n,
    });
    const posted = await fetch(`${dev.network.matcherUrl}/asks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: orderToJson(signed),
    });
    expect(posted.status).toBe(201);

    const submitted = await agora([
      'task',
      'submit',
      examplePath('sha256'),
      '--input',
      inputFile,
      '--replicas',
      '3',
      '--max-price',
      '3base',
      '--network',
      networkFile,
    ]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const taskId = submitted.json.taskId as Hex;
    const view = await until('the task on chain', async () => (await liar.task(taskId)) ?? undefined);
    const index = view.task.providers.indexOf(liar.account);
    expect(index).toBeGreaterThanOrEqual(0);
    const wrong = keccak256(toHex('a result nobody else computed'));
    const salt = keccak256(toHex('liar salt'));
    await liar.commit(
      view.record,
      index,
      commitmentOf({ taskId, provider: liar.account, resultHash: wrong, fuelUsed: 1000n, salt }),
    );
    // Every seat bound: the honest agents committed, or the last of them revealed at once (`revealLast`).
    await until('every seat bound', async () => {
      const now = await liar.task(taskId);
      const bound = new Set([...(now?.commits ?? []), ...(now?.reveals ?? [])].map((step) => step.provider));
      return bound.size === 3 ? true : undefined;
    });
    await liar.reveal(view.record, index, wrong, 1000n, salt);

    const settled = await until('the settlement', async () => {
      const got = await agora(['task', 'get', taskId, '--network', networkFile]);
      return got.json.status === 'finalized' ? got.json : undefined;
    });
    expect(settled.slashed).toEqual([liar.account]);
    expect(settled.paid).toHaveLength(2);
    expect(settled.paid).not.toContain(liar.account);
    const shown = await agora(['provider', 'show', liar.account, '--network', networkFile]);
    expect(shown.json).toMatchObject({ address: liar.account, status: 'active' });
    expect(Date.parse(shown.json.jailedUntil as string)).toBeGreaterThan(Date.now());
    // 10 % of the 10,000 AGORA bond is gone.
    expect(shown.json.bonded).toEqual({ value: '9000', token: 'AGORA', baseUnits: (9_000n * 10n ** 18n).toString() });
    expect(shown.json.objective).toMatchObject({ tasksPaid: 0, tasksSlashed: 1, tasksFailed: 0, reliability: 0 });
    slashedTask = { taskId, liar: liar.account };
  });

  it('lets the client review the liar once, the liar respond once, and shows both beside its record', async () => {
    const { taskId, liar } = slashedTask;
    const text = 'Returned a hash nobody else computed.';
    const review = (extra: string[] = [], env: Record<string, string> = {}) =>
      agora(
        ['review', taskId, '--rating', '1', '--text', text, '--provider', liar, '--network', networkFile, ...extra],
        env,
      );

    const badRating = await agora(['review', taskId, '--rating', '6', '--text', text, '--network', networkFile]);
    expect(errorCodeOf(badRating)).toBe('AGORA_INVALID_ARGUMENT');
    expect((badRating.json.error as { message: string }).message).toContain('--rating');
    const notAProvider = await review(['--provider', '5']);
    expect(errorCodeOf(notAProvider)).toBe('AGORA_INVALID_ARGUMENT');
    // Someone who did not pay for the task cannot spend its review right.
    const stranger = await review([], { AGORA_PRIVATE_KEY: dev.providerKeys[0] as string });
    expect(errorCodeOf(stranger)).toBe('AGORA_NOT_AUTHORIZED');

    const reviewed = await review();
    expect(reviewed.code, reviewed.stderr).toBe(0);
    const task = await agora(['task', 'get', taskId, '--network', networkFile]);
    expect(reviewed.json).toMatchObject({
      subject: 'task',
      id: taskId,
      provider: liar,
      rating: 1,
      weight: (task.json.cost as { baseUnits: string }).baseUnits,
    });
    expect(errorCodeOf(await review())).toBe('AGORA_ALREADY_REVIEWED');

    const reviewId = reviewed.json.reviewId as string;
    const answer = 'My node had a bad disk; replaced.';
    expect(errorCodeOf(await agora(['respond', reviewId, '--text', answer, '--network', networkFile]))).toBe(
      'AGORA_NOT_AUTHORIZED',
    );
    const responded = await agora([
      'respond',
      reviewId,
      '--text',
      answer,
      '--dev-provider',
      '3',
      '--network',
      networkFile,
    ]);
    expect(responded.code, responded.stderr).toBe(0);
    expect(
      errorCodeOf(
        await agora(['respond', reviewId, '--text', answer, '--dev-provider', '3', '--network', networkFile]),
      ),
    ).toBe('AGORA_ALREADY_REVIEWED');

    const shown = await agora(['provider', 'show', liar, '--network', networkFile]);
    expect(shown.json.reviews).toMatchObject({ count: 1, weightedMean: 1, stars: [1, 0, 0, 0, 0] });
    expect(shown.json.objective).toMatchObject({ tasksSlashed: 1 });
    expect(shown.json.latestReviews).toMatchObject([
      { reviewId, client: privateKeyToAccount(dev.network.devKeys!.client).address, rating: 1, text, response: answer },
    ]);
    // The human view puts the two scores side by side.
    const human = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [agoraBin, 'provider', 'show', liar, '--network', networkFile]);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
    expect(human).toContain('reviews      1.00 ★ weighted mean of 1');
    expect(human).toContain('tasks      0 paid, 1 slashed, 0 failed');
    expect(human).toContain(text);
    expect(human).toContain(`↳ provider: ${answer}`);
  });

  it('writes a provider setup the agent accepts with `agora provider init`', async () => {
    const key = '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6';
    const home = path.join(dir, 'new-provider');
    const init = await agora(
      ['provider', 'init', '--dir', home, '--price', '7base', '--cores', '16', '--network', networkFile],
      {
        AGORA_PRIVATE_KEY: key,
      },
    );
    expect(init.code, init.stderr).toBe(0);
    expect(init.json.address).toBe(privateKeyToAccount(key).address);
    const config = await loadConfig(init.json.config as string);
    expect(config).toMatchObject({
      rpcUrl: dev.network.rpcUrl,
      matchers: [dev.network.matcherUrl],
      market: dev.deployment.contracts.computeMarket,
    });
    expect(config.ask.pricePerFuel).toBe(7n);
    expect(config.provider.resources.cpuCores).toBe(16);
    const keystore = await readKeystore(config.keystore, (await readFile(config.passwordFile!, 'utf8')).trim());
    expect(keystore.privateKey).toBe(key);

    // A fresh key gets gas, AGORA to stake and test dollars from the dev network's faucet in one command.
    const fresh = generatePrivateKey();
    const funded = await agora([
      'faucet',
      privateKeyToAccount(fresh).address,
      '--stake',
      '2500',
      '--network',
      networkFile,
    ]);
    expect(funded.code, funded.stderr).toBe(0);
    const balance = await agora(['wallet', 'balance', '--network', networkFile], { AGORA_PRIVATE_KEY: fresh });
    expect(balance.json).toMatchObject({
      eth: { value: '10', token: 'ETH' },
      stakeTokens: { value: '2500', token: 'AGORA' },
      wallet: { value: '1000', token: 'tUSD' },
    });
    const faucetElsewhere = await agora(['faucet', 'nobody', '--network', networkFile]);
    expect(errorCodeOf(faucetElsewhere)).toBe('AGORA_INVALID_ARGUMENT');
  });

  it('runs a standalone matcher with `agora matcher start`, and refuses to start one without a key', async () => {
    const noKey = await agora(['matcher', 'start', '--data-dir', path.join(dir, 'm0'), '--network', networkFile], {
      AGORA_PRIVATE_KEY: '',
    });
    expect(noKey.code).toBe(2);
    expect(errorCodeOf(noKey)).toBe('AGORA_CONFIG_INVALID');

    const child = spawn(
      process.execPath,
      [
        agoraBin,
        'matcher',
        'start',
        '--data-dir',
        path.join(dir, 'm1'),
        '--network',
        networkFile,
        '--json',
        '--log-level',
        'silent',
      ],
      {
        env: {
          ...process.env,
          AGORA_PRIVATE_KEY: '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
        },
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const started = await until('the matcher to listen', () =>
      Promise.resolve(stdout.includes('}') ? (JSON.parse(stdout) as { url: string; address: string }) : undefined),
    );
    const health = (await (await fetch(`${started.url}/health`)).json()) as { status: string; matcher: string };
    expect(health).toMatchObject({ status: 'ok', matcher: started.address });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('keeps every order across a matcher restart and matches them afterwards', async () => {
    const dataDir = path.join(dir, 'second-matcher');
    const options = {
      rpcUrl: dev.network.rpcUrl,
      deployment: dev.deployment,
      privateKey: '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97' as Hex,
      dataDir,
      // Batch mode with an hour-long batch: orders rest until the test runs an auction.
      mode: 'batch' as const,
      batchIntervalMs: 3_600_000,
      pollIntervalMs: 60_000,
    };
    const logger = createLogger({ level: 'silent' });
    let matcher = await startMatcher(options, { logger });
    const otherNetwork = path.join(dir, 'second-network.json');
    await writeFile(otherNetwork, JSON.stringify({ ...dev.network, matcherUrl: matcher.url }));
    // The agents' current asks, as each serves it at GET /ask, handed to the second matcher.
    for (const agent of dev.agents) {
      const ask = (await (await fetch(`${agent.url}/ask`)).json()) as Record<string, unknown>;
      const response = await fetch(`${matcher.url}/asks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...ask, endpoint: agent.url }),
      });
      expect(response.status).toBe(201);
    }
    const taskIds: string[] = [];
    for (const word of ['alpha', 'beta']) {
      const submitted = await agora(['task', 'submit', examplePath('echo'), '--network', otherNetwork, '--', word]);
      expect(submitted.code, submitted.stderr).toBe(0);
      taskIds.push(submitted.json.taskId as string);
    }
    expect(matcher.book.size()).toEqual({ asks: 3, bids: 2 });
    await matcher.stop();

    matcher = await startMatcher(options, { logger });
    try {
      expect(matcher.book.size()).toEqual({ asks: 3, bids: 2 });
      await writeFile(otherNetwork, JSON.stringify({ ...dev.network, matcherUrl: matcher.url }));
      await matcher.auctionNow();
      await matcher.settle();
      for (const [index, taskId] of taskIds.entries()) {
        const settled = await until('the settlement', async () => {
          const got = await agora(['task', 'get', taskId, '--network', otherNetwork]);
          return got.json.status === 'finalized' ? got.json : undefined;
        });
        expect(settled.status).toBe('finalized');
        const result = await agora(['task', 'result', taskId, '--network', otherNetwork]);
        expect(Buffer.from(result.json.output as string, 'base64').toString()).toContain(['alpha', 'beta'][index]);
      }
      expect(matcher.book.size().bids).toBe(0);
    } finally {
      await matcher.stop();
    }
  });
});
