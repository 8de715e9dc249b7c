// Validation against the runtime's policy and the rewrite that makes a module deterministic and metered.
//
// Written here rather than with binaryen: fuel is what providers are paid for, so the exact instruction
// count must be defined by this code (and its version), not by how a library re-encodes the module;
// and a single linear pass over the binary keeps preparing a module in the low milliseconds.
import { AgoraError, errorCodes } from '@agora/errors';
import { ByteReader, ByteWriter, DecodeError } from './wasm/bytes.js';
import {
  blockTypeEmpty,
  type Instruction,
  isFloatInstruction,
  nanProducingType,
  op,
  readInstruction,
  UnsupportedInstructionError,
  valueType,
  valueTypeName,
} from './wasm/opcodes.js';
import { allowedWasiFunctions, isAllowedWasiFunction, wasiModule } from './wasi-imports.js';

/** `canonicalize` rewrites every NaN an operation produces to the one canonical NaN; `reject` refuses modules with any float. */
export type FloatPolicy = 'canonicalize' | 'reject';

export type InstrumentOptions = {
  floats: FloatPolicy;
  /** The memory can never grow beyond this many 64 KiB pages; a module that starts bigger is refused. */
  maxMemoryPages: number;
  /** Calls nested deeper than this trap deterministically, before the engine's own stack limit. */
  maxCallDepth: number;
};

export const defaultInstrumentOptions: InstrumentOptions = {
  floats: 'canonicalize',
  maxMemoryPages: 4096,
  maxCallDepth: 10_000,
};

/** Names of the globals the rewrite exports so the host can set and read them. */
export const meteringExports = { fuel: '__agora_fuel', status: '__agora_status' } as const;

/** The most elements any table may ever hold. */
export const maxTableElements = 65_536;

/** Where the rewritten module imports its memory from. */
export const memoryImport = { module: 'agora', name: 'memory' } as const;

/** Values of the status global: why the module stopped itself. */
export const meteringStatus = { running: 0, outOfFuel: 1, callDepthExceeded: 2 } as const;

export type ModuleInfo = {
  /** WASI functions the module imports. */
  imports: string[];
  usesFloats: boolean;
  functionCount: number;
  memoryPages: { initial: number; maximum: number };
};

export type InstrumentedModule = { bytes: Uint8Array<ArrayBuffer>; info: ModuleInfo };

const section = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

/** The order sections must appear in a module. */
const sectionOrder = [
  section.type,
  section.import,
  section.function,
  section.table,
  section.memory,
  section.global,
  section.export,
  section.element,
  section.dataCount,
  section.code,
  section.data,
];

const exportKind = { function: 0, table: 1, memory: 2, global: 3 } as const;

type FunctionType = { params: number[]; results: number[] };

function featureError(feature: string, cause?: unknown): AgoraError {
  return new AgoraError(
    errorCodes.WASM_FEATURE_NOT_ALLOWED,
    `The module uses ${feature}, which the deterministic runtime does not run.`,
    {
      cause,
      details:
        'Accepted: WebAssembly 1.0 with sign extension, saturating float-to-int, bulk memory, multi-value, ' +
        'reference types and mutable globals, as wasm32-wasip1 toolchains emit by default.',
    },
  );
}

function floatError(where: string): AgoraError {
  return new AgoraError(
    errorCodes.WASM_FLOAT_NOT_ALLOWED,
    `The module uses floating point (${where}) and the float policy is "reject".`,
    { details: 'Build the app without f32/f64 or run it with the "canonicalize" float policy.' },
  );
}

function checkMagic(bytes: Uint8Array): void {
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (bytes.length < 8 || magic.some((byte, i) => bytes[i] !== byte)) {
    throw new AgoraError(errorCodes.WASM_NOT_WASM, 'These bytes are not a WebAssembly module.', {
      details: 'A module starts with the bytes 00 61 73 6d ("\\0asm") followed by version 1.',
    });
  }
  if (bytes[4] === 0x0d && bytes[6] === 0x01) {
    throw featureError(
      'the component model (a WASI preview2 component); build a preview1 command module (wasm32-wasip1)',
    );
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new AgoraError(
      errorCodes.WASM_MALFORMED,
      'The module has an unknown binary format version; version 1 is accepted.',
    );
  }
  if (!WebAssembly.validate(bytes as BufferSource)) {
    let reason = 'invalid module';
    try {
      new WebAssembly.Module(bytes as BufferSource);
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    throw new AgoraError(errorCodes.WASM_MALFORMED, `The module does not validate: ${reason}`);
  }
}

/**
 * Validates `bytes` against the runtime's policy and rewrites them for deterministic, metered execution.
 * @param bytes a WASI preview1 command module
 * @returns the rewritten module, which exports the fuel and status globals, and what was learned about it
 * @example
 * const { bytes: metered, info } = instrumentModule(await readFile('app.wasm'))
 */
export function instrumentModule(
  bytes: Uint8Array,
  options: InstrumentOptions = defaultInstrumentOptions,
): InstrumentedModule {
  checkMagic(bytes);
  try {
    return rewrite(bytes, options);
  } catch (error) {
    if (error instanceof UnsupportedInstructionError) throw featureError(error.feature, error);
    if (error instanceof DecodeError) {
      throw new AgoraError(errorCodes.WASM_MALFORMED, `The module could not be decoded: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function rewrite(bytes: Uint8Array, options: InstrumentOptions): InstrumentedModule {
  const rejectFloats = options.floats === 'reject';
  let usesFloats = false;
  const noteValueType = (type: number, where: string): void => {
    if (type === valueType.v128) throw featureError(`SIMD (a v128 ${where})`);
    if (type === valueType.f32 || type === valueType.f64) {
      usesFloats = true;
      if (rejectFloats) throw floatError(`a ${valueTypeName(type)} ${where}`);
    }
  };

  const sections = new Map<number, Uint8Array>();
  let nameSection: Uint8Array | undefined;
  const types: FunctionType[] = [];
  const imports: string[] = [];
  const functionTypes: number[] = [];
  let globalCount = 0;
  let startIndex: number | undefined;
  let memoryExported = false;
  const exportNames = new Set<string>();
  let memoryPages = { initial: 0, maximum: 0 };
  let definesMemory = false;

  const reader = new ByteReader(bytes, 8);
  while (!reader.done) {
    const id = reader.u8();
    const size = reader.u32();
    const payload = reader.bytesOf(size);
    const body = new ByteReader(payload);
    switch (id) {
      case section.custom:
        if (body.name() === 'name') nameSection = payload;
        continue;
      case section.type: {
        const count = body.u32();
        for (let i = 0; i < count; i++) {
          if (body.u8() !== 0x60) throw featureError('garbage-collected types');
          const params = Array.from({ length: body.u32() }, () => body.u8());
          const results = Array.from({ length: body.u32() }, () => body.u8());
          for (const type of [...params, ...results]) noteValueType(type, 'in a function signature');
          types.push({ params, results });
        }
        break;
      }
      case section.import: {
        const count = body.u32();
        for (let i = 0; i < count; i++) {
          const module = body.name();
          const name = body.name();
          const kind = body.u8();
          if (kind !== exportKind.function) {
            const what = ['function', 'table', 'memory', 'global', 'tag'][kind] ?? 'value';
            throw featureError(
              `an imported ${what} (${module}.${name}); an app must define its own memory, tables and globals`,
            );
          }
          body.u32();
          if (module !== wasiModule || !isAllowedWasiFunction(name)) {
            const network = name.startsWith('sock_') ? ' A task has no network.' : '';
            throw new AgoraError(
              errorCodes.WASM_IMPORT_NOT_ALLOWED,
              `The module imports "${module}.${name}", which the runtime does not provide.${network}`,
              { details: `Accepted imports: ${wasiModule}.{${allowedWasiFunctions.join(', ')}}` },
            );
          }
          imports.push(name);
        }
        break;
      }
      case section.function: {
        const count = body.u32();
        for (let i = 0; i < count; i++) functionTypes.push(body.u32());
        break;
      }
      case section.memory: {
        const count = body.u32();
        if (count > 1) throw featureError('multiple memories');
        if (count === 1) {
          const flags = body.u8();
          if (flags & 0x02) throw featureError('shared memory (threads)');
          if (flags & 0x04) throw featureError('64-bit memory');
          const initial = body.u32();
          const declaredMaximum = flags & 0x01 ? body.u32() : Infinity;
          if (initial > options.maxMemoryPages) {
            throw new AgoraError(
              errorCodes.RUNTIME_LIMIT_EXCEEDED,
              `The module asks for ${initial} pages of memory at start; the limit is ${options.maxMemoryPages} pages (${options.maxMemoryPages * 64} KiB).`,
            );
          }
          memoryPages = { initial, maximum: Math.min(declaredMaximum, options.maxMemoryPages) };
        }
        // The memory becomes an import (see below); its section goes.
        if (count === 1) {
          definesMemory = true;
          continue;
        }
        break;
      }
      case section.global: {
        globalCount = body.u32();
        for (let i = 0; i < globalCount; i++) {
          noteValueType(body.u8(), 'global');
          body.u8();
          readConstantExpression(body, noteFloatInstruction);
        }
        break;
      }
      case section.export: {
        const count = body.u32();
        for (let i = 0; i < count; i++) {
          const name = body.name();
          const kind = body.u8();
          const index = body.u32();
          exportNames.add(name);
          if (name === '_start' && kind === exportKind.function) startIndex = index;
          if (name === 'memory' && kind === exportKind.memory) memoryExported = true;
        }
        break;
      }
      case section.table: {
        // Tables get a hard maximum too: table.grow is one instruction, and could otherwise ask for millions of slots.
        const count = body.u32();
        const tables = new ByteWriter().u32(count);
        for (let i = 0; i < count; i++) {
          const referenceType = body.u8();
          const flags = body.u8();
          if (flags & 0x04) throw featureError('64-bit tables');
          const initial = body.u32();
          const declaredMaximum = flags & 0x01 ? body.u32() : Infinity;
          if (initial > maxTableElements) {
            throw new AgoraError(
              errorCodes.RUNTIME_LIMIT_EXCEEDED,
              `The module declares a table of ${initial} elements; the limit is ${maxTableElements}.`,
            );
          }
          tables.u8(referenceType, 0x01).u32(initial).u32(Math.min(declaredMaximum, maxTableElements));
        }
        sections.set(id, tables.finish());
        continue;
      }
      case section.start:
        throw featureError('a start section (WASI commands begin at the exported _start)');
      case section.tag:
        throw featureError('exception handling (tags)');
      default:
        break;
    }
    sections.set(id, payload);
  }

  function noteFloatInstruction(instruction: Instruction): void {
    if (!isFloatInstruction(instruction.opcode, instruction.subOpcode)) return;
    usesFloats = true;
    if (rejectFloats) throw floatError(`instruction 0x${instruction.opcode.toString(16)} at byte ${instruction.start}`);
  }

  const importedFunctions = imports.length;
  const startType = startIndex === undefined ? undefined : types[functionTypes[startIndex - importedFunctions] ?? -1];
  if (startType === undefined) {
    throw new AgoraError(
      errorCodes.WASM_NO_START,
      'The module does not export a `_start` function: it is not a WASI command.',
      {
        details:
          'Build a command module (the default for wasm32-wasip1 binaries); reactor modules and libraries are not run.',
      },
    );
  }
  if (startType.params.length > 0 || startType.results.length > 0) {
    throw new AgoraError(errorCodes.WASM_NO_START, 'The exported `_start` must take no parameters and return nothing.');
  }
  if (!memoryExported) {
    throw new AgoraError(errorCodes.WASM_MALFORMED, 'The module must export its memory as "memory", as WASI requires.');
  }
  for (const name of Object.values(meteringExports)) {
    if (exportNames.has(name))
      throw new AgoraError(errorCodes.WASM_MALFORMED, `The export name "${name}" is reserved by the runtime.`);
  }

  // The module's memory is imported from the host instead ("agora"."memory", same limits), so a host can hand
  // a zeroed, never-grown memory from a pool to the next run: allocating a fresh one costs more than the rest
  // of instantiation together. Function indices do not move: only function imports count in their index space.
  if (definesMemory) {
    const existingImports = sections.get(section.import);
    const importReader = existingImports ? new ByteReader(existingImports) : undefined;
    const importCount = importReader ? importReader.u32() : 0;
    const importSection = new ByteWriter().u32(importCount + 1);
    if (existingImports && importReader) importSection.bytes(existingImports.subarray(importReader.offset));
    importSection.name(memoryImport.module).name(memoryImport.name).u8(exportKind.memory);
    importSection.u8(0x01).u32(memoryPages.initial).u32(memoryPages.maximum);
    sections.set(section.import, importSection.finish());
    sections.delete(section.memory);
  }

  const globals = { fuel: globalCount, depth: globalCount + 1, status: globalCount + 2 };
  const code = sections.get(section.code);
  const rewrittenCode = rewriteCode(code ?? new Uint8Array([0]), {
    types,
    functionTypes,
    globals,
    options,
    noteValueType,
    noteFloatInstruction,
  });

  // Our globals: fuel (i64), call depth (i32), status (i32), all mutable and starting at zero.
  const globalSection = new ByteWriter().u32(globalCount + 3);
  const existingGlobals = sections.get(section.global);
  if (existingGlobals) {
    const globalsReader = new ByteReader(existingGlobals);
    globalsReader.u32();
    globalSection.bytes(existingGlobals.subarray(globalsReader.offset));
  }
  globalSection.u8(valueType.i64, 1, op.i64Const, 0, op.end);
  globalSection.u8(valueType.i32, 1, op.i32Const, 0, op.end);
  globalSection.u8(valueType.i32, 1, op.i32Const, 0, op.end);
  sections.set(section.global, globalSection.finish());

  const existingExports = sections.get(section.export)!;
  const exportReader = new ByteReader(existingExports);
  const exportCount = exportReader.u32();
  const exportSection = new ByteWriter().u32(exportCount + 2).bytes(existingExports.subarray(exportReader.offset));
  exportSection.name(meteringExports.fuel).u8(exportKind.global).u32(globals.fuel);
  exportSection.name(meteringExports.status).u8(exportKind.global).u32(globals.status);
  sections.set(section.export, exportSection.finish());
  sections.set(section.code, rewrittenCode);

  const output = new ByteWriter().u8(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  for (const id of sectionOrder) {
    const payload = sections.get(id);
    if (payload === undefined) continue;
    output.u8(id).u32(payload.length).bytes(payload);
  }
  // Kept for readable traps; other custom sections (DWARF, source maps) point at offsets the rewrite moved.
  if (nameSection) output.u8(section.custom).u32(nameSection.length).bytes(nameSection);

  return {
    bytes: output.finish().slice(),
    info: {
      imports,
      usesFloats,
      functionCount: functionTypes.length,
      memoryPages,
    },
  };
}

function readConstantExpression(reader: ByteReader, visit: (instruction: Instruction) => void): void {
  for (;;) {
    const instruction = readInstruction(reader);
    visit(instruction);
    if (instruction.opcode === op.end) return;
  }
}

type CodeContext = {
  types: FunctionType[];
  functionTypes: number[];
  globals: { fuel: number; depth: number; status: number };
  options: InstrumentOptions;
  noteValueType: (type: number, where: string) => void;
  noteFloatInstruction: (instruction: Instruction) => void;
};

/**
 * What an instruction costs in fuel. One unit per instruction executed; structure markers are free,
 * bulk memory operations pay extra per 64 bytes when they run (see `chargeBulk`).
 */
function instructionCost(instruction: Instruction): number {
  switch (instruction.opcode) {
    case op.block:
    case op.loop:
    case op.else:
    case op.end:
      return 0;
    default:
      return 1;
  }
}

/**
 * Instructions after which a new metered segment begins: loop heads (run again on every iteration),
 * `else` (entered without passing the true arm) and `end` (where branches land). The true arm of an
 * `if` stays in the segment that holds the `if`: when the condition is false its first part is paid
 * for without running, which costs far less than a second check on every pass through a hot loop.
 */
function endsSegment(opcode: number): boolean {
  return opcode === op.loop || opcode === op.else || opcode === op.end;
}

const canonicalNaN: Record<number, Uint8Array> = {
  [valueType.f32]: new Uint8Array([0x00, 0x00, 0xc0, 0x7f]),
  [valueType.f64]: new Uint8Array([0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f]),
};

function rewriteCode(code: Uint8Array, context: CodeContext): Uint8Array {
  const { types, functionTypes, globals, options } = context;
  const reader = new ByteReader(code);
  const count = reader.u32();
  const output = new ByteWriter().u32(count);
  const noteBlockType = (type: number): void => {
    if (type !== blockTypeEmpty) context.noteValueType(type, 'block result');
  };

  for (let index = 0; index < count; index++) {
    const size = reader.u32();
    const bodyEnd = reader.offset + size;
    const body = new ByteReader(code, reader.offset, bodyEnd);
    const type = types[functionTypes[index]!]!;

    const declarationCount = body.u32();
    const declarationsStart = body.offset;
    let localCount = type.params.length;
    for (let i = 0; i < declarationCount; i++) {
      localCount += body.u32();
      context.noteValueType(body.u8(), 'local');
    }
    const declarationsEnd = body.offset;

    const instructions: Instruction[] = [];
    while (!body.done) {
      const instruction = readInstruction(body, noteBlockType);
      context.noteFloatInstruction(instruction);
      instructions.push(instruction);
    }
    reader.offset = bodyEnd;

    // Locals the rewrite adds after the module's own, so no existing index moves.
    const fuel = localCount;
    const depth = localCount + 1;
    const scratch = localCount + 2;
    const scratchF32 = localCount + 3;
    const scratchF64 = localCount + 4;
    // Only functions that compute with floats need the scratch locals of NaN canonicalisation.
    const canonicalize = instructions.some((instruction) => nanProducingType(instruction.opcode) !== undefined);
    const added = canonicalize
      ? [valueType.i64, valueType.i32, valueType.i32, valueType.f32, valueType.f64]
      : [valueType.i64, valueType.i32, valueType.i32];

    const fn = new ByteWriter();
    fn.u32(declarationCount + added.length);
    fn.bytes(code.subarray(declarationsStart, declarationsEnd));
    for (const local of added) fn.u8(1, local);

    const trapWith = (status: number): void => {
      fn.u8(op.if, blockTypeEmpty, op.i32Const).signed(BigInt(status));
      fn.u8(op.globalSet).u32(globals.status).u8(op.unreachable, op.end);
    };
    const charge = (cost: number): void => {
      fn.u8(op.localGet).u32(fuel).u8(op.i64Const).signed(BigInt(cost)).u8(op.i64Sub);
      fn.u8(op.localTee).u32(fuel).u8(op.i64Const, 0, op.i64LtS);
      trapWith(meteringStatus.outOfFuel);
    };
    // memory.fill/copy/init: the byte count is on top of the stack; pay one unit per 64 bytes.
    const chargeBulk = (): void => {
      fn.u8(op.localTee).u32(scratch);
      fn.u8(op.localGet)
        .u32(fuel)
        .u8(op.localGet)
        .u32(scratch)
        .u8(op.i64ExtendI32U, op.i64Const, 6, op.i64ShrU, op.i64Sub);
      fn.u8(op.localTee).u32(fuel).u8(op.i64Const, 0, op.i64LtS);
      trapWith(meteringStatus.outOfFuel);
    };
    const saveFuel = (): void => {
      fn.u8(op.localGet).u32(fuel).u8(op.globalSet).u32(globals.fuel);
    };
    // After a call: take back what the callee left, and restore our own depth (callees never decrement it).
    const loadAfterCall = (): void => {
      fn.u8(op.globalGet).u32(globals.fuel).u8(op.localSet).u32(fuel);
      fn.u8(op.localGet).u32(depth).u8(op.globalSet).u32(globals.depth);
    };

    // Prologue: take the fuel from the global, count this call's depth.
    fn.u8(op.globalGet).u32(globals.fuel).u8(op.localSet).u32(fuel);
    fn.u8(op.globalGet).u32(globals.depth).u8(op.i32Const, 1, op.i32Add, op.localTee).u32(depth);
    fn.u8(op.globalSet).u32(globals.depth).u8(op.localGet).u32(depth);
    fn.u8(op.i32Const).signed(BigInt(options.maxCallDepth)).u8(op.i32GtU);
    trapWith(meteringStatus.callDepthExceeded);

    const segmentCost = new Map<number, number>();
    let segmentStart = 0;
    let cost = 0;
    instructions.forEach((instruction, i) => {
      cost += instructionCost(instruction);
      if (endsSegment(instruction.opcode) && i + 1 < instructions.length) {
        segmentCost.set(segmentStart, cost);
        segmentStart = i + 1;
        cost = 0;
      }
    });
    segmentCost.set(segmentStart, cost);

    let controlDepth = 0;
    instructions.forEach((instruction, i) => {
      const segment = segmentCost.get(i);
      if (segment !== undefined && segment > 0) charge(segment);

      const { opcode, subOpcode } = instruction;
      const isCall = opcode === op.call || opcode === op.callIndirect;
      const leavesFunction =
        opcode === op.return ||
        i === instructions.length - 1 ||
        ((opcode === op.br || opcode === op.brIf || opcode === op.brTable) && instruction.label === controlDepth);
      if (isCall || leavesFunction) saveFuel();
      if (opcode === op.prefixFC && subOpcode >= 8 && subOpcode <= 11 && subOpcode !== 9) chargeBulk();

      fn.bytes(code.subarray(instruction.start, instruction.end));

      if (isCall) loadAfterCall();
      // A NaN consumed at once by the next float operation never shows its bits: that operation's result is fixed instead.
      const consumedByNext = nanProducingType(instructions[i + 1]?.opcode ?? -1) !== undefined;
      const nanType = canonicalize && !consumedByNext ? nanProducingType(opcode) : undefined;
      if (nanType !== undefined) {
        const local = nanType === valueType.f32 ? scratchF32 : scratchF64;
        fn.u8(op.localTee).u32(local);
        fn.u8(nanType === valueType.f32 ? op.f32Const : op.f64Const).bytes(canonicalNaN[nanType]!);
        fn.u8(op.localGet).u32(local).u8(op.localGet).u32(local);
        fn.u8(nanType === valueType.f32 ? op.f32Eq : op.f64Eq, op.select);
      }
      if (opcode === op.block || opcode === op.loop || opcode === op.if) controlDepth++;
      if (opcode === op.end) controlDepth--;
    });

    output.sized(fn);
  }
  return output.finish();
}
