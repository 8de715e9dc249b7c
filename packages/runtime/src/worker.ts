// A runtime worker: runs one request at a time on modules its pool sends it.
import { parentPort } from 'node:worker_threads';
import { AgoraError } from '@agora/errors';
import type { PreparedApp } from './app.js';
import { executeModule, type RunRequest, type RunResult } from './execute.js';

export type WorkerRequest = { id: number; app: Pick<PreparedApp, 'module' | 'info'>; request: RunRequest };
export type WorkerResponse =
  { id: number; ok: true; result: RunResult } | { id: number; ok: false; error: { code?: string; message: string } };

const port = parentPort!;
port.on('message', ({ id, app, request }: WorkerRequest) => {
  let response: WorkerResponse;
  try {
    response = { id, ok: true, result: executeModule(app, request) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    response = { id, ok: false, error: error instanceof AgoraError ? { code: error.code, message } : { message } };
  }
  port.postMessage(response);
});
port.postMessage({ ready: true });
