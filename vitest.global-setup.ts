// Builds what the tests run before any test file starts (each a no-op when up to date): the example WASM apps and
// our WebAssembly build of libsecp256k1 and the storage tree's keccak (a native addon and WebAssembly); the dashboard
// (Vite) for the browser tests.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'packages/examples/scripts/build.ts'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['--import', 'tsx', 'packages/sdk/scripts/build-secp256k1.ts'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['--import', 'tsx', 'packages/sdk/scripts/build-merkle-keccak.ts'], {
    stdio: 'inherit',
  });
  execFileSync(process.execPath, ['--import', 'tsx', 'apps/web/scripts/build.ts'], { stdio: 'inherit' });
}
