// Shared input/output helpers for the example apps: stdin is the task's input, stdout its result.

/** Reads all of stdin into one buffer. */
export function readInput(): Uint8Array {
  const chunks = new Array<ArrayBuffer>();
  let total = 0;
  while (true) {
    const chunk = new ArrayBuffer(65536);
    const read = process.stdin.read(chunk);
    if (read <= 0) break;
    chunks.push(chunk.slice(0, read));
    total += read;
  }
  const input = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = Uint8Array.wrap(chunks[i]);
    input.set(chunk, offset);
    offset += chunk.length;
  }
  return input;
}

/** Writes a string to stdout as UTF-8. */
export function print(text: string): void {
  process.stdout.write(text);
}

/** Writes a string to stderr: a log line, never part of the result. */
export function log(text: string): void {
  process.stderr.write(text + '\n');
}

/** The app's arguments after argv[0], or a default for a missing one. */
export function argument(index: i32, fallback: string): string {
  const argv = process.argv;
  return index + 1 < argv.length ? argv[index + 1] : fallback;
}

export function isSpace(byte: u8): bool {
  return byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09;
}
