// Hostile: writes 64 KiB blocks to stdout forever, until the output limit stops it.
const block = new ArrayBuffer(65536);
const bytes = Uint8Array.wrap(block);
bytes.fill(0x41);
while (true) process.stdout.write(block);
