// The instruction set the runtime accepts, and how to step over each instruction's immediates.
import { type ByteReader } from './bytes.js';

export const op = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  i32Const: 0x41,
  i64Const: 0x42,
  f32Const: 0x43,
  f64Const: 0x44,
  f32Eq: 0x5b,
  f64Eq: 0x61,
  i32GtU: 0x4b,
  i64LtS: 0x53,
  i32Add: 0x6a,
  i64Sub: 0x7d,
  i64ShrU: 0x88,
  i64ExtendI32U: 0xad,
  prefixFC: 0xfc,
  prefixSIMD: 0xfd,
  prefixAtomic: 0xfe,
} as const;

export const blockTypeEmpty = 0x40;

export const valueType = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
} as const;

const valueTypeNames = new Map<number, string>(Object.entries(valueType).map(([name, code]) => [code, name]));

export function valueTypeName(code: number): string {
  return valueTypeNames.get(code) ?? `0x${code.toString(16)}`;
}

/** Instructions of proposals the deterministic runtime does not run, by opcode, with the reason shown to users. */
const rejectedOpcodes = new Map<number, string>([
  [0x06, 'exception handling (try)'],
  [0x07, 'exception handling (catch)'],
  [0x08, 'exception handling (throw)'],
  [0x09, 'exception handling (rethrow)'],
  [0x0a, 'exception handling (throw_ref)'],
  [0x12, 'tail calls (return_call)'],
  [0x13, 'tail calls (return_call_indirect)'],
  [0x14, 'typed function references (call_ref)'],
  [0x15, 'typed function references (return_call_ref)'],
  [0x18, 'exception handling (delegate)'],
  [0x19, 'exception handling (catch_all)'],
  [0x1f, 'exception handling (try_table)'],
  [op.prefixSIMD, 'SIMD (v128 instructions)'],
  [op.prefixAtomic, 'threads (atomic instructions)'],
]);

export class UnsupportedInstructionError extends Error {
  override name = 'UnsupportedInstructionError';
  constructor(
    readonly feature: string,
    readonly offset: number,
  ) {
    super(`${feature} is not supported by the deterministic runtime (at byte ${offset})`);
  }
}

/** One decoded instruction: where it lies in the module and what the rewriter needs to know about it. */
export type Instruction = {
  opcode: number;
  /** The sub-opcode of a 0xFC-prefixed instruction, otherwise -1. */
  subOpcode: number;
  start: number;
  end: number;
  /** Label index of `br`/`br_if`; the largest target of `br_table`; otherwise -1. */
  label: number;
};

function readBlockType(reader: ByteReader): number {
  const first = reader.peek();
  if (first === blockTypeEmpty || valueTypeNames.has(first)) {
    reader.u8();
    if (first === valueType.v128) throw new UnsupportedInstructionError('SIMD (v128 block type)', reader.offset - 1);
    return first;
  }
  const typeIndex = reader.s33();
  if (typeIndex < 0) throw new UnsupportedInstructionError('a block type of a later proposal', reader.offset);
  return typeIndex;
}

function readMemArg(reader: ByteReader): void {
  const align = reader.u32();
  if (align & 0x40) throw new UnsupportedInstructionError('multiple memories', reader.offset);
  reader.u32();
}

function readMemoryIndex(reader: ByteReader): void {
  if (reader.u8() !== 0) throw new UnsupportedInstructionError('multiple memories', reader.offset - 1);
}

/**
 * Decodes the instruction at the reader's position and steps past it.
 * @param blockType receives the block type of `block`/`loop`/`if`, so callers can check its value types.
 */
export function readInstruction(reader: ByteReader, blockType?: (type: number) => void): Instruction {
  const start = reader.offset;
  const opcode = reader.u8();
  let subOpcode = -1;
  let label = -1;
  const rejected = rejectedOpcodes.get(opcode);
  if (rejected !== undefined) throw new UnsupportedInstructionError(rejected, start);

  switch (opcode) {
    case op.block:
    case op.loop:
    case op.if: {
      const type = readBlockType(reader);
      blockType?.(type);
      break;
    }
    case op.br:
    case op.brIf:
      label = reader.u32();
      break;
    case op.brTable: {
      const count = reader.u32();
      for (let i = 0; i <= count; i++) label = Math.max(label, reader.u32());
      break;
    }
    case op.call:
    case op.localGet:
    case op.localSet:
    case op.localTee:
    case op.globalGet:
    case op.globalSet:
    case 0x25: // table.get
    case 0x26: // table.set
    case 0xd2: // ref.func
      reader.u32();
      break;
    case op.callIndirect:
      reader.u32();
      reader.u32();
      break;
    case 0x1c: {
      // select with explicit types
      const count = reader.u32();
      for (let i = 0; i < count; i++) {
        const type = reader.u8();
        if (type === valueType.v128) throw new UnsupportedInstructionError('SIMD (v128 select)', reader.offset - 1);
        blockType?.(type);
      }
      break;
    }
    case 0x3f: // memory.size
    case 0x40: // memory.grow
      readMemoryIndex(reader);
      break;
    case op.i32Const:
      reader.skipSigned(32);
      break;
    case op.i64Const:
      reader.skipSigned(64);
      break;
    case op.f32Const:
      reader.skip(4);
      break;
    case op.f64Const:
      reader.skip(8);
      break;
    case 0xd0: {
      // ref.null
      const heapType = reader.u8();
      if (heapType !== valueType.funcref && heapType !== valueType.externref) {
        throw new UnsupportedInstructionError('typed references', reader.offset - 1);
      }
      break;
    }
    case op.prefixFC: {
      subOpcode = reader.u32();
      if (subOpcode <= 7) break; // saturating float-to-int
      switch (subOpcode) {
        case 8: // memory.init
          reader.u32();
          readMemoryIndex(reader);
          break;
        case 9: // data.drop
        case 13: // elem.drop
        case 15: // table.grow
        case 16: // table.size
        case 17: // table.fill
          reader.u32();
          break;
        case 10: // memory.copy
          readMemoryIndex(reader);
          readMemoryIndex(reader);
          break;
        case 11: // memory.fill
          readMemoryIndex(reader);
          break;
        case 12: // table.init
        case 14: // table.copy
          reader.u32();
          reader.u32();
          break;
        default:
          throw new UnsupportedInstructionError(`instruction 0xfc ${subOpcode}`, start);
      }
      break;
    }
    default:
      if (opcode >= 0x28 && opcode <= 0x3e) {
        readMemArg(reader);
      } else if (
        opcode === op.unreachable ||
        opcode === 0x01 ||
        opcode === op.else ||
        opcode === op.end ||
        opcode === op.return ||
        opcode === 0x1a ||
        opcode === op.select ||
        (opcode >= 0x45 && opcode <= 0xc4) ||
        opcode === 0xd1
      ) {
        // no immediates
      } else {
        throw new UnsupportedInstructionError(`opcode 0x${opcode.toString(16)}`, start);
      }
  }
  return { opcode, subOpcode, start, end: reader.offset, label };
}

/** Whether an instruction reads, writes or computes with f32/f64 values. */
export function isFloatInstruction(opcode: number, subOpcode: number): boolean {
  if (opcode === op.prefixFC) return subOpcode >= 0 && subOpcode <= 7;
  return (
    opcode === 0x2a ||
    opcode === 0x2b ||
    opcode === 0x38 ||
    opcode === 0x39 ||
    opcode === op.f32Const ||
    opcode === op.f64Const ||
    (opcode >= 0x5b && opcode <= 0x66) ||
    (opcode >= 0x8b && opcode <= 0xa6) ||
    (opcode >= 0xa8 && opcode <= 0xab) ||
    (opcode >= 0xae && opcode <= 0xbf)
  );
}

/**
 * The float type (f32 or f64) whose NaN bits an instruction may choose freely, or undefined.
 * Arithmetic may return any NaN payload (the spec leaves it to the engine); bit-exact operations
 * (abs, neg, copysign, loads, reinterpretation, conversion from integers) never need fixing.
 */
export function nanProducingType(opcode: number): number | undefined {
  if ((opcode >= 0x8d && opcode <= 0x97) || opcode === 0xb6) return valueType.f32;
  if ((opcode >= 0x9b && opcode <= 0xa5) || opcode === 0xbb) return valueType.f64;
  return undefined;
}
