// A WASI preview1 host with nothing outside the task: stdin is the input, stdout the result, stderr a
// bounded log; the clock is frozen; randomness is a stream seeded from the task id; there are no files,
// no environment and no network. Every answer depends only on the request, so every replica sees the same.
import { sha256 } from '@noble/hashes/sha2.js';
import { allowedWasiFunctions } from './wasi-imports.js';

const errno = { success: 0, badf: 8, inval: 28, io: 29, nosys: 52, spipe: 70, notcapable: 76 } as const;
const clockIds = { realtime: 0, monotonic: 1, processCputime: 2, threadCputime: 3 } as const;
const fileTypeCharacterDevice = 2;

/** Thrown by `proc_exit`: the app chose its exit code. */
export class ProcessExit extends Error {
  override name = 'ProcessExit';
  constructor(readonly code: number) {
    super(`the app exited with code ${code}`);
  }
}

/** Thrown when the app writes more to stdout than the output limit allows. */
export class OutputLimitExceeded extends Error {
  override name = 'OutputLimitExceeded';
  constructor(readonly limit: number) {
    super(`the app wrote more than ${limit} bytes to stdout`);
  }
}

/** Thrown when a host call costs more fuel than is left. */
export class HostOutOfFuel extends Error {
  override name = 'HostOutOfFuel';
}

export type WasiHostOptions = {
  args: readonly string[];
  input: Uint8Array;
  /** Nanoseconds since the epoch that `clock_time_get` reports for every clock. */
  clockNs: bigint;
  /** 32 bytes that seed `random_get`: the task id. */
  seed: Uint8Array;
  maxOutputBytes: number;
  maxLogBytes: number;
};

export type WasiHost = {
  imports: WebAssembly.Imports;
  /** Connects the host to the instance it serves: its memory, and its fuel global unless unmetered. */
  bind(memory: WebAssembly.Memory, fuel: WebAssembly.Global | undefined): void;
  stdout(): Uint8Array;
  stderr(): Uint8Array;
};

/** Host calls pay one unit of fuel plus one per 64 bytes moved. */
function hostCost(bytes: number): bigint {
  return 1n + BigInt(bytes >>> 6);
}

class ByteSink {
  private chunks: Uint8Array[] = [];
  length = 0;

  constructor(private readonly limit: number) {}

  /** Appends up to the limit; returns how many bytes were kept. */
  append(bytes: Uint8Array): number {
    const kept = Math.min(bytes.length, this.limit - this.length);
    if (kept > 0) {
      this.chunks.push(bytes.slice(0, kept));
      this.length += kept;
    }
    return kept;
  }

  bytes(): Uint8Array {
    const all = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    return all;
  }
}

/** A deterministic byte stream: SHA-256 of (seed, block counter). */
const encoder = new TextEncoder();
const randomTag = encoder.encode('agora.random.v1');

function createRandomStream(seed: Uint8Array): (length: number) => Uint8Array {
  let key: Uint8Array | undefined;
  let counter = 0n;
  let pending = new Uint8Array(0);
  return (length) => {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (pending.length === 0) {
        key ??= sha256(new Uint8Array([...randomTag, ...seed]));
        const block = new Uint8Array(40);
        block.set(key);
        new DataView(block.buffer).setBigUint64(32, counter++);
        pending = sha256(block);
      }
      const take = Math.min(pending.length, length - filled);
      out.set(pending.subarray(0, take), filled);
      pending = pending.subarray(take);
      filled += take;
    }
    return out;
  };
}

export function createWasiHost(options: WasiHostOptions): WasiHost {
  let memory: WebAssembly.Memory | undefined;
  let fuel: WebAssembly.Global | undefined;
  const stdout = new ByteSink(options.maxOutputBytes);
  const stderr = new ByteSink(options.maxLogBytes);
  const random = createRandomStream(options.seed);
  const args = options.args.map((arg) => encoder.encode(`${arg}\0`));
  let inputOffset = 0;

  const view = (): DataView => new DataView(memory!.buffer);
  const bytes = (): Uint8Array => new Uint8Array(memory!.buffer);
  const charge = (cost: bigint): void => {
    if (fuel === undefined) return;
    const left: bigint = fuel.value - cost;
    fuel.value = left;
    if (left < 0n) throw new HostOutOfFuel();
  };
  /** Gathers the buffers of an iovec array. */
  const iovecs = (pointer: number, count: number): Array<{ address: number; length: number }> => {
    const data = view();
    return Array.from({ length: count }, (_, i) => ({
      address: data.getUint32(pointer + i * 8, true),
      length: data.getUint32(pointer + i * 8 + 4, true),
    }));
  };

  const functions = {
    args_sizes_get(countPointer: number, sizePointer: number): number {
      const data = view();
      data.setUint32(countPointer, args.length, true);
      data.setUint32(
        sizePointer,
        args.reduce((total, arg) => total + arg.length, 0),
        true,
      );
      return errno.success;
    },
    args_get(pointers: number, buffer: number): number {
      const data = view();
      const memoryBytes = bytes();
      let offset = buffer;
      args.forEach((arg, i) => {
        data.setUint32(pointers + i * 4, offset, true);
        memoryBytes.set(arg, offset);
        offset += arg.length;
      });
      charge(hostCost(offset - buffer));
      return errno.success;
    },
    environ_sizes_get(countPointer: number, sizePointer: number): number {
      view().setUint32(countPointer, 0, true);
      view().setUint32(sizePointer, 0, true);
      return errno.success;
    },
    environ_get(): number {
      return errno.success;
    },
    clock_res_get(id: number, pointer: number): number {
      if (id > clockIds.threadCputime) return errno.inval;
      view().setBigUint64(pointer, 1n, true);
      return errno.success;
    },
    clock_time_get(id: number, _precision: bigint, pointer: number): number {
      if (id > clockIds.threadCputime) return errno.inval;
      view().setBigUint64(pointer, id === clockIds.realtime ? options.clockNs : 0n, true);
      return errno.success;
    },
    fd_read(fd: number, vectors: number, count: number, readPointer: number): number {
      if (fd !== 0) return errno.badf;
      const memoryBytes = bytes();
      let total = 0;
      for (const { address, length } of iovecs(vectors, count)) {
        const take = Math.min(length, options.input.length - inputOffset);
        memoryBytes.set(options.input.subarray(inputOffset, inputOffset + take), address);
        inputOffset += take;
        total += take;
        if (take < length) break;
      }
      charge(hostCost(total));
      view().setUint32(readPointer, total, true);
      return errno.success;
    },
    fd_write(fd: number, vectors: number, count: number, writtenPointer: number): number {
      if (fd !== 1 && fd !== 2) return errno.badf;
      const memoryBytes = bytes();
      let total = 0;
      for (const { address, length } of iovecs(vectors, count)) {
        const chunk = memoryBytes.subarray(address, address + length);
        if (fd === 1) {
          const kept = stdout.append(chunk);
          if (kept < chunk.length) throw new OutputLimitExceeded(options.maxOutputBytes);
        } else {
          stderr.append(chunk); // the log is truncated silently: it is never part of the result
        }
        total += length;
      }
      charge(hostCost(total));
      view().setUint32(writtenPointer, total, true);
      return errno.success;
    },
    fd_fdstat_get(fd: number, pointer: number): number {
      if (fd > 2) return errno.badf;
      const data = view();
      data.setUint8(pointer, fileTypeCharacterDevice);
      data.setUint16(pointer + 2, 0, true);
      // Rights: fd_read (bit 1) on stdin, fd_write (bit 6) on stdout and stderr.
      data.setBigUint64(pointer + 8, fd === 0 ? 1n << 1n : 1n << 6n, true);
      data.setBigUint64(pointer + 16, 0n, true);
      return errno.success;
    },
    fd_filestat_get(fd: number, pointer: number): number {
      if (fd > 2) return errno.badf;
      bytes().fill(0, pointer, pointer + 64);
      view().setUint8(pointer + 16, fileTypeCharacterDevice);
      return errno.success;
    },
    fd_fdstat_set_flags(fd: number): number {
      return fd <= 2 ? errno.success : errno.badf;
    },
    fd_prestat_get(): number {
      return errno.badf; // no pre-opened directories: a task sees no files
    },
    fd_seek(fd: number): number {
      return fd <= 2 ? errno.spipe : errno.badf;
    },
    fd_tell(fd: number): number {
      return fd <= 2 ? errno.spipe : errno.badf;
    },
    fd_close(fd: number): number {
      return fd <= 2 ? errno.success : errno.badf;
    },
    fd_sync(fd: number): number {
      return fd <= 2 ? errno.success : errno.badf;
    },
    fd_datasync(fd: number): number {
      return fd <= 2 ? errno.success : errno.badf;
    },
    path_open(): number {
      return errno.notcapable;
    },
    random_get(pointer: number, length: number): number {
      charge(hostCost(length));
      bytes().set(random(length), pointer);
      return errno.success;
    },
    sched_yield(): number {
      return errno.success;
    },
    // Every subscription fires at once: clocks are frozen, so a sleep returns immediately.
    poll_oneoff(subscriptions: number, events: number, count: number, eventCountPointer: number): number {
      const data = view();
      for (let i = 0; i < count; i++) {
        const subscription = subscriptions + i * 48;
        const event = events + i * 32;
        bytes().fill(0, event, event + 32);
        data.setBigUint64(event, data.getBigUint64(subscription, true), true);
        data.setUint8(event + 10, data.getUint8(subscription + 8));
      }
      data.setUint32(eventCountPointer, count, true);
      charge(hostCost(count * 32));
      return errno.success;
    },
    proc_exit(code: number): never {
      throw new ProcessExit(code >>> 0);
    },
    proc_raise(): number {
      return errno.nosys;
    },
  };

  // The rest of preview1 concerns files, which a task does not have: descriptor calls answer "bad
  // descriptor", path calls "not capable", as libc expects when there is nothing to open.
  const unavailable = (name: string): number =>
    name.startsWith('fd_') ? errno.badf : name.startsWith('path_') ? errno.notcapable : errno.nosys;
  const implemented = functions as Record<string, (...args: never[]) => number>;
  const table: Record<string, (...args: never[]) => number> = {};
  for (const name of allowedWasiFunctions) table[name] = implemented[name] ?? (() => unavailable(name));

  return {
    imports: { wasi_snapshot_preview1: table },
    bind(boundMemory, boundFuel) {
      memory = boundMemory;
      fuel = boundFuel;
    },
    stdout: () => stdout.bytes(),
    stderr: () => stderr.bytes(),
  };
}
