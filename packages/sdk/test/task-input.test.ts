import { describe, expect, it } from 'vitest';
import { decodeResources, encodeResources } from '../src/resources.js';
import { decodeTaskInput, encodeTaskInput, taskInputLimits } from '../src/task-input.js';

describe('task input documents', () => {
  it('carry arguments and stdin bytes through encode and decode unchanged', () => {
    const stdin = new Uint8Array([0, 1, 2, 255, 10]);
    const document = encodeTaskInput({ args: ['--rounds', '3', 'ünïcode ✓', ''], stdin });
    expect(new TextDecoder().decode(document.subarray(0, 4))).toBe('AGI1');
    const decoded = decodeTaskInput(document);
    expect(decoded.args).toEqual(['--rounds', '3', 'ünïcode ✓', '']);
    expect(decoded.stdin).toEqual(stdin);
  });

  it('refuse documents that are not ones, with a code every provider agrees on', () => {
    const refused = (bytes: Uint8Array) => {
      try {
        decodeTaskInput(bytes);
      } catch (error) {
        return error as { code: string; message: string };
      }
      throw new Error('accepted');
    };
    expect(refused(new TextEncoder().encode('plain stdin'))).toMatchObject({ code: 'AGORA_TASK_INPUT_INVALID' });
    const cut = encodeTaskInput({ args: ['abcdef'], stdin: new Uint8Array() }).subarray(0, 9);
    expect(refused(cut).message).toMatch(/argument 0 of 1 is cut off/);
    const badUtf8 = new Uint8Array([0x41, 0x47, 0x49, 0x31, 0, 1, 0, 0, 0, 1, 0xff]);
    expect(refused(badUtf8).message).toMatch(/not valid UTF-8/);
    expect(() =>
      encodeTaskInput({ args: new Array(taskInputLimits.maxArgs + 1).fill('x'), stdin: new Uint8Array() }),
    ).toThrow(/at most 1024 arguments/);
  });
});

describe('resources', () => {
  it('pack as ResourcesLib reads them and unpack to the same values', () => {
    const resources = {
      cpuCores: 8,
      memoryMiB: 16_384,
      gpuCount: 2,
      storageGiB: 500,
      region: 1,
      features: 3,
      gpuModel: 'RTX 4090',
    };
    const word = encodeResources(resources);
    expect(word & 0xffffn).toBe(8n);
    expect((word >> 16n) & 0xffffffffn).toBe(16_384n);
    expect((word >> 88n) & 0xffffn).toBe(1n);
    expect(decodeResources(word)).toEqual(resources);
    // The e2e networks register this word for 8 cores, 16 GiB, region 1.
    expect(encodeResources({ ...resources, gpuCount: 0, storageGiB: 0, features: 0, gpuModel: '' })).toBe(
      8n | (16_384n << 16n) | (1n << 88n),
    );
    expect(() => encodeResources({ ...resources, cpuCores: 70_000 })).toThrow(
      /cpuCores must be an integer from 0 to 65535/,
    );
  });
});
