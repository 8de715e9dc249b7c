// A runtime worker: runs one request at a time on modules its pool sends it.
import { parentPort } from 'node:worker_threads';
import { AgoraError } from '@agora/errors';
import { executeModule, type RunRequest, type RunResult } from './execute.js';

export type WorkerRequest = { id: number; module: WebAssembly.Module; request: RunRequest };
export type WorkerResponse =
  { id: number; ok: true; result: RunResult } | { id: number; ok: false; error: { code?: string; message: string } };

const port = parentPort!;
port.on('message', ({ id, module, request }: WorkerRequest) => {
  let response: WorkerResponse;
  try {
    response = { id, ok: true, result: executeModule(module, request) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    response = { id, ok: false, error: error instanceof AgoraError ? { code: error.code, message } : { message } };
  }
  port.postMessage(response);
});
port.postMessage({ ready: true });
