// The document a bid's `inputCid` names: the app's arguments and the bytes of its stdin, in one blob, so that one
// CID fixes everything a run receives besides the module itself.
import { AgoraError, errorCodes } from '@agora/errors';

/** Layout: "AGI1" | u16 argument count | (u32 length | UTF-8 bytes) per argument | stdin (the rest). Big-endian. */
const magic = new Uint8Array([0x41, 0x47, 0x49, 0x31]);

export const taskInputLimits = {
  maxArgs: 1024,
  /** All arguments together, in UTF-8 bytes. */
  maxArgBytes: 256 * 1024,
} as const;

export type TaskInput = {
  args: readonly string[];
  stdin: Uint8Array;
};

function invalid(message: string): AgoraError {
  return new AgoraError(errorCodes.TASK_INPUT_INVALID, message);
}

/**
 * Encodes the arguments and stdin of a task into its input document.
 * @example
 * const document = encodeTaskInput({ args: ['--rounds', '3'], stdin: await readFile('numbers.txt') })
 */
export function encodeTaskInput({ args, stdin }: TaskInput): Uint8Array {
  if (args.length > taskInputLimits.maxArgs) {
    throw invalid(`a task takes at most ${taskInputLimits.maxArgs} arguments; got ${args.length}`);
  }
  const encoded = args.map((arg) => new TextEncoder().encode(arg));
  const argBytes = encoded.reduce((total, arg) => total + arg.length, 0);
  if (argBytes > taskInputLimits.maxArgBytes) {
    throw invalid(`a task's arguments take at most ${taskInputLimits.maxArgBytes} bytes together; got ${argBytes}`);
  }
  const document = new Uint8Array(magic.length + 2 + encoded.length * 4 + argBytes + stdin.length);
  const view = new DataView(document.buffer);
  document.set(magic);
  view.setUint16(magic.length, encoded.length);
  let at = magic.length + 2;
  for (const arg of encoded) {
    view.setUint32(at, arg.length);
    document.set(arg, at + 4);
    at += 4 + arg.length;
  }
  document.set(stdin, at);
  return document;
}

/**
 * Reads an input document. Every provider decodes the same bytes the same way, so a document that does not decode
 * is a deterministic outcome of the task, not a provider's failure.
 * @throws AgoraError TASK_INPUT_INVALID saying what is wrong
 */
export function decodeTaskInput(document: Uint8Array): TaskInput {
  if (document.length < magic.length + 2 || magic.some((byte, i) => document[i] !== byte)) {
    throw invalid('a task input document starts with "AGI1" and an argument count (see encodeTaskInput)');
  }
  const view = new DataView(document.buffer, document.byteOffset, document.byteLength);
  const count = view.getUint16(magic.length);
  if (count > taskInputLimits.maxArgs) {
    throw invalid(`a task takes at most ${taskInputLimits.maxArgs} arguments; the document has ${count}`);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const args: string[] = [];
  let at = magic.length + 2;
  let argBytes = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > document.length) throw invalid(`argument ${i} of ${count} is cut off`);
    const length = view.getUint32(at);
    argBytes += length;
    if (argBytes > taskInputLimits.maxArgBytes) {
      throw invalid(`a task's arguments take at most ${taskInputLimits.maxArgBytes} bytes together`);
    }
    if (at + 4 + length > document.length) throw invalid(`argument ${i} of ${count} is cut off`);
    try {
      args.push(decoder.decode(document.subarray(at + 4, at + 4 + length)));
    } catch (error) {
      throw new AgoraError(errorCodes.TASK_INPUT_INVALID, `argument ${i} is not valid UTF-8`, { cause: error });
    }
    at += 4 + length;
  }
  return { args, stdin: document.subarray(at) };
}
