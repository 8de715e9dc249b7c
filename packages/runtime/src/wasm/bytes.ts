// Reading and writing the WebAssembly binary format: LEB128 integers, names, vectors.

/** Thrown while decoding; the caller turns it into a user-facing error with the module's context. */
export class DecodeError extends Error {
  override name = 'DecodeError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

export class ByteReader {
  offset: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.offset = start;
  }

  get done(): boolean {
    return this.offset >= this.end;
  }

  u8(): number {
    if (this.offset >= this.end) throw new DecodeError('unexpected end of section', this.offset);
    return this.bytes[this.offset++]!;
  }

  peek(): number {
    if (this.offset >= this.end) throw new DecodeError('unexpected end of section', this.offset);
    return this.bytes[this.offset]!;
  }

  /** An unsigned LEB128 integer of at most 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.u8();
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) {
        const last = this.u8();
        if (last & 0x80 || last > 0x0f) throw new DecodeError('integer too large', this.offset);
        return (result | (last << 28)) >>> 0;
      }
    }
  }

  /** Skips a signed LEB128 integer of at most `bits` bits. */
  skipSigned(bits: 32 | 33 | 64): void {
    const maxBytes = Math.ceil(bits / 7);
    for (let i = 0; i < maxBytes; i++) {
      if ((this.u8() & 0x80) === 0) return;
    }
    throw new DecodeError('integer too large', this.offset);
  }

  /** A signed LEB128 integer of at most 33 bits (block types). */
  s33(): number {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.u8();
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    if (byte & 0x80) throw new DecodeError('integer too large', this.offset);
    if (byte & 0x40) result -= 2 ** shift;
    return result;
  }

  skip(length: number): void {
    if (this.offset + length > this.end) throw new DecodeError('unexpected end of section', this.offset);
    this.offset += length;
  }

  bytesOf(length: number): Uint8Array {
    const start = this.offset;
    this.skip(length);
    return this.bytes.subarray(start, start + length);
  }

  name(): string {
    const length = this.u32();
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytesOf(length));
  }
}

export class ByteWriter {
  private buffer = new Uint8Array(1024);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  u8(...values: number[]): this {
    this.reserve(values.length);
    for (const value of values) this.buffer[this.length++] = value;
    return this;
  }

  u32(value: number): this {
    this.reserve(5);
    let rest = value >>> 0;
    do {
      let byte = rest & 0x7f;
      rest >>>= 7;
      if (rest !== 0) byte |= 0x80;
      this.buffer[this.length++] = byte;
    } while (rest !== 0);
    return this;
  }

  /** A signed LEB128 integer (i32.const, i64.const immediates). */
  signed(value: bigint): this {
    this.reserve(10);
    let rest = value;
    for (;;) {
      const byte = Number(rest & 0x7fn);
      rest >>= 7n;
      const done = (rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0);
      this.buffer[this.length++] = done ? byte : byte | 0x80;
      if (done) return this;
    }
  }

  bytes(data: Uint8Array): this {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
    return this;
  }

  name(text: string): this {
    const encoded = new TextEncoder().encode(text);
    return this.u32(encoded.length).bytes(encoded);
  }

  /** Writes `content` prefixed by its length, as sections and function bodies are. */
  sized(content: ByteWriter): this {
    return this.u32(content.length).bytes(content.finish());
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
