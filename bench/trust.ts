// The probability that an adversary gets a wrong result paid on a 3-replica, quorum-2 task, when it holds a share x
// of the replica pool's weight and submits every match: measured by a forge test that drives the real contracts
// (contracts/sim/SybilSimulation.t.sol: match, seat, commits, reveals and settlement for every task), at x = 10 % and
// 33 %, 10,000 tasks each unless AGORA_TRUST_TASKS says otherwise.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { z } from 'zod';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const resultsFile = join(root, 'bench', 'results', 'trust.json');
const tasks = Number(process.env.AGORA_TRUST_TASKS ?? 10_000);

const line = z.object({
  name: z.enum(['x10', 'x33']),
  tasks: z.number(),
  poolMembers: z.number(),
  adversaryMembers: z.number(),
  wrongPaid: z.number(),
  finalized: z.number(),
  adversarySeats: z.number(),
  expectedPpm: z.number(),
});

console.log(`bench:trust: ${tasks} tasks at x = 10 % and at x = 33 % on the real contracts (forge)…`);
const output = await new Promise<string>((resolve, reject) => {
  const forge = spawn('npx', ['forge', 'test', '-vv', '--match-contract', 'SybilSimulationTest'], {
    cwd: join(root, 'contracts'),
    // 20,000 lifecycles are about ten billion gas: above forge's default per-test limit.
    env: {
      ...process.env,
      FOUNDRY_TEST: 'sim',
      FOUNDRY_GAS_LIMIT: '18446744073709551615',
      AGORA_TRUST_TASKS: String(tasks),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  forge.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const row of chunk.toString().split('\n')) if (/\[(PASS|FAIL)/.test(row)) console.log(row.trim());
  });
  forge.on('error', reject);
  forge.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`forge exited with ${code}:\n${text}`))));
});

const runs = [...output.matchAll(/TRUST (\{.*\})/g)].map((match) => line.parse(JSON.parse(match[1]!)));
const results: Record<string, unknown> = {};
for (const run of runs) {
  results[`sybil.${run.name}.wrongPaidRate`] = run.wrongPaid / run.tasks;
  results[`sybil.${run.name}.tasks`] = run.tasks;
  results[`sybil.${run.name}.expectedRate`] = run.expectedPpm / 1e6;
  results[`sybil.${run.name}.adversarySeatShare`] = run.adversarySeats / (3 * run.tasks);
  results[`sybil.${run.name}.pool`] = { members: run.poolMembers, adversary: run.adversaryMembers };
}
if (runs.length !== 2) throw new Error(`expected two simulation runs, found ${runs.length}`);
results.model =
  '3 replicas, quorum 2; seats drawn by stake from the pool with a block-hash seed the submitter did not know; ' +
  'expected rate = P(at least 2 of 3 seats are the adversary’s), hypergeometric over the pool.';
mkdirSync(dirname(resultsFile), { recursive: true });
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
