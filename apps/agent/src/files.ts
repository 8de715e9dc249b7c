// An agent's files as an operator keeps them: the key in a v3 keystore, its password in a file only the owner reads,
// and the configuration that names both. `agora provider init`, `agora dev` and the tests all write them here.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeKeystore } from '@agora/service';
import type { Hex } from 'viem';
import type { AgentConfigInput } from './config.js';

export type AgentFilesOptions = {
  privateKey: Hex;
  password: string;
  /** scrypt cost of the keystore; lower only for throwaway dev keys. */
  scryptN?: number;
  /** Everything but the key's files, which this fills in. */
  config: Omit<AgentConfigInput, 'keystore' | 'passwordFile'>;
};

/** Writes `keystore.json`, `password` and `agent.json` into `dir`; returns the configuration as written. */
export async function writeAgentFiles(
  dir: string,
  { privateKey, password, scryptN, config }: AgentFilesOptions,
): Promise<{ configFile: string; config: AgentConfigInput }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeKeystore(path.join(dir, 'keystore.json'), privateKey, password, scryptN === undefined ? {} : { scryptN });
  await writeFile(path.join(dir, 'password'), `${password}\n`, { mode: 0o600 });
  const document: AgentConfigInput = { ...config, keystore: 'keystore.json', passwordFile: 'password' };
  const configFile = path.join(dir, 'agent.json');
  await writeFile(configFile, JSON.stringify(document, null, 2));
  return { configFile, config: document };
}
