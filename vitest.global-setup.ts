// Builds the example WASM apps once before any test file runs (a no-op when they are up to date).
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'packages/examples/scripts/build.ts'], { stdio: 'inherit' });
}
