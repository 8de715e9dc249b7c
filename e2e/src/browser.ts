// Chromium driven by playwright-core (never `playwright install`: these machines are offline), and a place for the
// screenshots the browser tests leave as artefacts. The browser is the headless Chromium the npm package
// @sparticuz/chromium ships (installed by `npm ci`, so a machine with only Node runs it), or CHROMIUM_PATH.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type ShippedChromium from '@sparticuz/chromium';
import { type Browser, chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

export const artifactsDir = path.join(here, '..', 'artifacts', 'web');

const debianChromium = '/usr/lib/chromium/chromium';

/** The version of @sparticuz/chromium this package pins (its own package.json is not exported). */
async function pinnedVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(here, '..', 'package.json'), 'utf8')) as {
    optionalDependencies: Record<string, string>;
  };
  return manifest.optionalDependencies['@sparticuz/chromium'] ?? 'unknown';
}

/** Where the browser is: CHROMIUM_PATH, else the npm package's build unpacked once, else Debian's. */
export async function chromiumPath(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  let shipped: typeof ShippedChromium | undefined;
  try {
    shipped = (await import('@sparticuz/chromium')).default;
  } catch {
    // not installed (an optional dependency): a system Chromium may do
  }
  if (shipped) {
    // The package unpacks into the temporary directory and reuses whatever `chromium` it finds there: a directory
    // named after its version keeps another version's unpacked build from being launched.
    const dir = path.join(tmpdir(), `agora-chromium-${await pinnedVersion()}`);
    await mkdir(dir, { recursive: true });
    const before = process.env.TMPDIR;
    process.env.TMPDIR = dir;
    try {
      return await shipped.executablePath();
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
  }
  if (existsSync(debianChromium)) return debianChromium;
  throw new Error(
    'No Chromium: npm ci installs one (@sparticuz/chromium) on Linux x64; elsewhere set CHROMIUM_PATH to a Chromium binary.',
  );
}

export async function launchBrowser(): Promise<Browser> {
  await mkdir(artifactsDir, { recursive: true });
  return chromium.launch({
    executablePath: await chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
