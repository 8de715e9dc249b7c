// The dashboard in a real Chromium against a local network with real activity: the market overview with its
// charts, the providers table, a provider's page with both scores side by side, a task submitted and reviewed
// from the browser (with a dev account, and with an injected wallet), a task's timeline and a storage deal's
// proof history. Screenshots go to e2e/artifacts/web/.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DevNetwork, startDevNetwork } from '@agora/cli';
import { examplePath } from '@agora/examples';
import { createLogger } from '@agora/service';
import type { Browser, Page } from 'playwright-core';
import { agoraChain, createAgoraClient, testStablecoinAbi } from '@agora/sdk';
import { anvilDevKeys } from '@agora/sdk/dev';
import { createPublicClient, createWalletClient, http } from 'viem';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agora } from '../src/agora-cli.js';
import { artifactsDir, launchBrowser } from '../src/browser.js';

describe('the dashboard in Chromium', () => {
  let dir: string;
  let dev: DevNetwork;
  let browser: Browser;
  let page: Page;
  let web: string;
  let env: Record<string, string>;
  let cliTaskId: string;
  let dealId: string;
  let uiTaskId: string;

  const shot = (name: string) => page.screenshot({ path: path.join(artifactsDir, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agora-web-'));
    [dev, browser] = await Promise.all([
      startDevNetwork({
        dir: path.join(dir, 'net'),
        providers: 3,
        agents: 3,
        blockTime: 1,
        storagePeriodBlocks: 8,
        storageWindowBlocks: 4,
        indexer: true,
        web: true,
        logger: createLogger({ level: process.env.AGORA_TEST_LOG ?? 'silent' }),
      }),
      launchBrowser(),
    ]);
    web = dev.web!.url;
    env = { AGORA_KEYS_DIR: path.join(dir, 'keys') };
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Real activity first: a 3-replica task and a small storage deal, through the CLI.
    const task = await agora(
      ['task', 'submit', examplePath('sha256'), '--replicas', '3', '--wait', '--network', dev.file],
      env,
    );
    expect(task.code, task.stderr).toBe(0);
    cliTaskId = task.json.taskId as string;
    const file = path.join(dir, 'photo.bin');
    await writeFile(
      file,
      new Uint8Array(32 * 1024).map((_, index) => index % 253),
    );
    const put = await agora(
      ['store', 'put', file, '--replicas', '2', '--duration', '3', '--no-encrypt', '--network', dev.file],
      env,
    );
    expect(put.code, JSON.stringify(put.json)).toBe(0);
    dealId = String(put.json.dealId);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await dev?.stop();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('shows the market overview: totals, activity and price charts, the latest tasks', async () => {
    await page.goto(web);
    await page.getByRole('heading', { name: 'Market overview' }).waitFor();
    await page.getByText(cliTaskId.slice(0, 10)).waitFor({ timeout: 30_000 });
    const activeProviders = page.locator('.stat', { hasText: 'active providers' }).locator('.stat-value');
    await expect.poll(() => activeProviders.textContent(), { timeout: 30_000 }).toBe('3');
    // Both charts are drawn, the bars with at least the task the CLI submitted.
    await expect.poll(() => page.locator('.recharts-bar-rectangle').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.recharts-line').count(), { timeout: 30_000 }).toBe(1);
    await shot('overview');
  }, 60_000);

  it('lists the providers and opens one, with its review and protocol scores side by side', async () => {
    await page.goto(`${web}/#/providers`);
    await expect.poll(() => page.locator('table.providers tbody tr').count(), { timeout: 30_000 }).toBe(3);
    await page.getByLabel('sort').selectOption('price');
    await page.getByLabel('minimum cores').fill('64');
    await expect.poll(() => page.locator('table.providers tbody tr').count(), { timeout: 10_000 }).toBe(0);
    await page.getByLabel('minimum cores').fill('');
    await expect.poll(() => page.locator('table.providers tbody tr').count(), { timeout: 10_000 }).toBe(3);
    // Memory in GiB and prices with their unit, as people compare machines.
    const firstRow = await page.locator('table.providers tbody tr').first().locator('td').allTextContents();
    expect(firstRow).toContain('16 GiB');
    expect(firstRow.some((cell) => /^0\.00000\d tUSD\/fuel$/.test(cell))).toBe(true);
    await shot('providers');
    await page.locator('table.providers tbody tr').first().locator('a').click();
    await page.getByText('What clients say').waitFor();
    await expect(page.getByTestId('objective-score').textContent()).resolves.toMatch(/1 tasks paid, 0 slashed/);
    await shot('provider');
  }, 60_000);

  it("shows a task's terms in plain units and its paid providers apart", async () => {
    await page.goto(`${web}/#/tasks/${cliTaskId}`);
    await page.locator('.badge', { hasText: 'finalized' }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('price').textContent()).toMatch(/^0\.00000\d tUSD\/fuel$/);
    expect(await page.getByTestId('max-fuel').textContent()).toBe('100,000,000 fuel');
    expect(await page.getByTestId('fuel-used').textContent()).toMatch(/^\d{1,3}(,\d{3})+ fuel$/);
    // Three paid providers, two separators between them.
    const paid = (await page.getByTestId('paid').textContent()) ?? '';
    expect(paid).toMatch(/^paid: \S+, \S+, \S+$/);
    await shot('task-terms');
  }, 60_000);

  it("draws a storage deal's proof history", async () => {
    await page.goto(`${web}/#/deals/${dealId}`);
    await page.getByRole('heading', { name: new RegExp(`Storage deal ${dealId}`) }).waitFor({ timeout: 30_000 });
    await expect
      .poll(async () => Number((await page.getByTestId('proof-counts').textContent())?.split(' ')[0]), {
        timeout: 90_000,
        interval: 1000,
      })
      .toBeGreaterThanOrEqual(2);
    await expect.poll(() => page.locator('.recharts-scatter-symbol').count(), { timeout: 10_000 }).toBeGreaterThan(1);
    await shot('deal');
  }, 120_000);

  it('submits a task as the dev client and follows its timeline to the result the CLI reads', async () => {
    await page.goto(`${web}/#/submit`);
    await page.getByLabel('app').selectOption('wordcount');
    await page.getByLabel('input').fill('the browser counts these five words\n');
    await page.getByRole('button', { name: 'Sign and submit' }).click();
    await page.waitForURL(/#\/tasks\/0x[0-9a-f]{64}$/, { timeout: 30_000 });
    uiTaskId = page.url().split('/').at(-1)!;
    await page.locator('.badge', { hasText: 'finalized' }).waitFor({ timeout: 60_000 });
    const steps = await page.getByTestId('timeline').locator('li strong').allTextContents();
    expect(steps).toEqual(['matched', 'settled']);
    const fromCli = await agora(['task', 'get', uiTaskId, '--network', dev.file], env);
    expect(await page.getByTestId('result-hash').textContent()).toBe(fromCli.json.resultHash);
    // The output, fetched from a provider and checked against the settlement: the bytes and CID the CLI reads.
    const outFile = path.join(dir, 'ui-task.out');
    const result = await agora(['task', 'result', uiTaskId, '--out', outFile, '--network', dev.file], env);
    await page.getByTestId('output-cid').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('output-cid').textContent()).toBe(result.json.outputCid);
    expect(await page.getByTestId('output-preview').textContent()).toBe(await readFile(outFile, 'utf8'));
    await shot('task');
  }, 90_000);

  it('writes a review from the task page, and the provider page shows it', async () => {
    await page.getByLabel('rating').selectOption('4');
    await page.getByLabel('review text').fill('Counted right, and quickly.');
    await page.getByRole('button', { name: 'Post review' }).click();
    await page.getByText('Review recorded').waitFor({ timeout: 30_000 });
    // The form is gone once the review is recorded.
    expect(await page.getByLabel('reviewed provider').count()).toBe(0);
    const task = await agora(['task', 'get', uiTaskId, '--network', dev.file], env);
    const reviewed = (task.json.providers as string[])[0]!.toLowerCase();
    await page.goto(`${web}/#/providers/${reviewed}`);
    await page.getByText('Counted right, and quickly.').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('review-score').textContent()).resolves.toMatch(/1 reviews, weighted mean 4\.00/);
    await shot('provider-reviewed');
  }, 90_000);

  it('checks the price before signing, shows the cost bound, and shows why a bid waits in the book', async () => {
    await page.goto(`${web}/#/submit`);
    await page.getByLabel('max price').fill('abc');
    await page.getByTestId('price-error').waitFor();
    expect(await page.getByRole('button', { name: 'Sign and submit' }).isDisabled()).toBe(true);
    // 100,000,000 fuel at 0.000001 tUSD: below every ask (the cheapest asks 0.000002).
    await page.getByLabel('max price').fill('0.000001');
    expect(await page.getByTestId('cost-bound').textContent()).toBe(
      "Costs at most 100.00 tUSD plus the market's fees.",
    );
    await page.getByRole('button', { name: 'Sign and submit' }).click();
    await page.waitForURL(/#\/tasks\/0x[0-9a-f]{64}$/, { timeout: 30_000 });
    const waitingTaskId = page.url().split('/').at(-1);
    await page.getByTestId('bid-state').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('bid-state').textContent()).toBe(
      'The bid is in the matcher’s book, not matched yet.',
    );
    expect(await page.getByTestId('bid-waiting').textContent()).toMatch(
      /Why it waits: Its max price of 1 base units per fuel is below 2/,
    );
    await shot('bid-waiting');
    const cancelled = await agora(['task', 'cancel', waitingTaskId, '--network', dev.file], env);
    expect(cancelled.json).toMatchObject({ matcher: 'cancelled' });
    await page.locator('.badge', { hasText: 'cancelled' }).waitFor({ timeout: 15_000 });
  }, 90_000);

  it('buys a task and reviews it with an injected wallet', async () => {
    // The wallet extension is outside our system: a stand-in that signs with a key of its own and passes every
    // other request to the chain, as a real injected wallet does.
    const account = privateKeyToAccount(anvilDevKeys[9]);
    const chain = agoraChain({ chainId: dev.network.chainId, rpcUrl: dev.network.rpcUrl });
    const signer = createWalletClient({ account, chain, transport: http(dev.network.rpcUrl) });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.exposeFunction('agoraWallet', async (method: string, params: unknown[]) => {
      if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [account.address];
      if (method === 'eth_chainId') return `0x${dev.network.chainId.toString(16)}`;
      if (method === 'eth_signTypedData_v4') {
        const typed = JSON.parse(params[1] as string) as Parameters<typeof account.signTypedData>[0];
        return account.signTypedData(typed);
      }
      if (method === 'eth_sendTransaction') {
        const [tx] = params as [{ to: Hex; data: Hex }];
        return signer.sendTransaction({ to: tx.to, data: tx.data });
      }
      const response = await fetch(dev.network.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      });
      const body = (await response.json()) as { result?: unknown; error?: { message: string } };
      if (body.error) throw new Error(body.error.message);
      return body.result;
    });
    await context.addInitScript(() => {
      const bridge = (window as unknown as { agoraWallet: (m: string, p: unknown[]) => Promise<unknown> }).agoraWallet;
      (window as unknown as { ethereum: unknown }).ethereum = {
        isMetaMask: false,
        request: ({ method, params }: { method: string; params?: unknown[] }) => bridge(method, params ?? []),
        on: () => undefined,
        removeListener: () => undefined,
      };
    });
    const walletPage = await context.newPage();
    await walletPage.goto(`${web}/#/submit`);
    await walletPage.getByLabel('account').selectOption('injected');
    await walletPage.getByText(`${account.address.slice(0, 6)}…`).waitFor({ timeout: 15_000 });
    await walletPage.getByLabel('input').fill('paid for from a browser wallet\n');
    // Nothing in escrow yet: the matcher refuses the bid, and the page says why.
    await walletPage.getByRole('button', { name: 'Sign and submit' }).click();
    await walletPage.getByText(/The matcher refused the bid/).waitFor({ timeout: 15_000 });
    await walletPage.screenshot({ path: path.join(artifactsDir, 'injected-wallet-refused.png'), fullPage: true });

    const buyer = createAgoraClient({
      publicClient: createPublicClient({ chain, transport: http(dev.network.rpcUrl) }),
      wallet: signer,
      deployment: dev.deployment,
    });
    await buyer.publicClient.waitForTransactionReceipt({
      hash: await signer.writeContract({
        address: dev.network.token,
        abi: testStablecoinAbi,
        functionName: 'mint',
        args: [account.address, 10_000_000_000n],
      }),
    });
    // Enough for what the bid may lock: 10^8 fuel at 10 per unit, plus fees.
    await buyer.deposit(dev.network.token, 10_000_000_000n);
    await walletPage.getByRole('button', { name: 'Sign and submit' }).click();
    await walletPage.waitForURL(/#\/tasks\/0x[0-9a-f]{64}$/, { timeout: 30_000 });
    await walletPage.locator('.badge', { hasText: 'finalized' }).waitFor({ timeout: 60_000 });
    await walletPage.getByLabel('review text').fill('Bought and reviewed from a browser wallet.');
    await walletPage.getByRole('button', { name: 'Post review' }).click();
    await walletPage.getByText('Review recorded').waitFor({ timeout: 30_000 });
    await walletPage.screenshot({ path: path.join(artifactsDir, 'injected-wallet-reviewed.png'), fullPage: true });
    const taskId = walletPage.url().split('/').at(-1);
    const task = await agora(['task', 'get', taskId, '--network', dev.file], env);
    expect(task.json).toMatchObject({ status: 'finalized' });
    expect((task.json.providers as string[]).length).toBe(1);
    await context.close();
  }, 120_000);
});
