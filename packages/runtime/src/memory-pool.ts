// Memories handed from one run to the next. A memory is reused only if the run never grew it, and only
// after it is zeroed: to the next app it is indistinguishable from a fresh one (same size, same limit,
// all zero; the module's data segments are written again when it is instantiated).
const pageBytes = 65_536;
const keptPerShape = 4;
const pools = new Map<string, WebAssembly.Memory[]>();

export function acquireMemory(initial: number, maximum: number): WebAssembly.Memory {
  return pools.get(`${initial}:${maximum}`)?.pop() ?? new WebAssembly.Memory({ initial, maximum });
}

export function releaseMemory(memory: WebAssembly.Memory, initial: number, maximum: number): void {
  if (memory.buffer.byteLength !== initial * pageBytes) return;
  const key = `${initial}:${maximum}`;
  const pool = pools.get(key) ?? [];
  if (pool.length >= keptPerShape) return;
  new Uint8Array(memory.buffer).fill(0);
  pool.push(memory);
  pools.set(key, pool);
}
