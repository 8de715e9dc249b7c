// Builds the dashboard with Vite unless dist/ is newer than every source file it bundles, the workspace packages' as
// well as its own (so tests pay for it once, and a changed SDK is never served from a stale bundle).
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

const bundledPackages = ['content', 'errors', 'examples', 'runtime', 'sdk'].map((name) =>
  path.join(root, '../../packages', name, 'src'),
);
const sources = Math.max(
  newest(path.join(root, 'src')),
  ...bundledPackages.map(newest),
  statSync(path.join(root, 'index.html')).mtimeMs,
  statSync(path.join(root, 'vite.config.ts')).mtimeMs,
);
let built = 0;
try {
  built = statSync(path.join(root, 'dist', 'index.html')).mtimeMs;
} catch {
  // Not built yet.
}
if (built > sources) {
  console.log('the dashboard build is up to date');
} else {
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  console.log('built the dashboard');
}
