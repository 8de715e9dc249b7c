// Hostile: allocates 1 MiB blocks and keeps them until the memory limit stops it.
const blocks = new Array<ArrayBuffer>();
while (true) blocks.push(new ArrayBuffer(1 << 20));
