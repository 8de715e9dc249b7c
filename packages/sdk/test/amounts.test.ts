// Amounts people type and read, converted exactly to and from the base units the chain counts.
import { describe, expect, it } from 'vitest';
import { amountJson, decimalOf, formatAmount, formatPricePerFuel, parseAmount } from '../src/amounts.js';

const usd = { symbol: 'tUSD', decimals: 6 };
const agora = { symbol: 'AGORA', decimals: 18 };

describe('token amounts', () => {
  it('writes base units as exact decimals with the symbol and thousands separators', () => {
    expect(formatAmount(999_999_999_241_600n, usd)).toBe('999,999,999.2416 tUSD');
    expect(formatAmount(1_500_000n, usd)).toBe('1.5 tUSD');
    expect(formatAmount(0n, usd)).toBe('0 tUSD');
    expect(formatAmount(1n, usd)).toBe('0.000001 tUSD');
    expect(formatAmount(10_000n * 10n ** 18n, agora)).toBe('10,000 AGORA');
    expect(formatPricePerFuel(2n, usd)).toBe('0.000002 tUSD/fuel');
    expect(decimalOf(-1_250_000n, 6)).toBe('-1.25');
  });

  it('keeps the exact decimal, the token and the base units in JSON', () => {
    expect(amountJson(758_400n, usd)).toEqual({ value: '0.7584', token: 'tUSD', baseUnits: '758400' });
  });

  it('reads whole tokens, decimals, the symbol and explicit base units', () => {
    expect(parseAmount('1.5', usd)).toBe(1_500_000n);
    expect(parseAmount('1.5 tUSD', usd)).toBe(1_500_000n);
    expect(parseAmount('2', usd)).toBe(2_000_000n);
    expect(parseAmount('0.000002', usd)).toBe(2n);
    expect(parseAmount('1500000base', usd)).toBe(1_500_000n);
    expect(parseAmount('10 base', usd)).toBe(10n);
    expect(parseAmount('10000', agora)).toBe(10_000n * 10n ** 18n);
  });

  it('refuses what is not an amount, saying what is accepted', () => {
    expect(() => parseAmount('1.0000001', usd, '--max-price')).toThrow(
      /--max-price has more decimals than tUSD \(6\); got "1.0000001"/,
    );
    for (const wrong of ['abc', '-1', '1e6', '1,5', '', '1.5 ETH', '0x10'])
      expect(() => parseAmount(wrong, usd)).toThrow(/like 1.5 \(at most 6 decimals\) or base units like 1500000base/);
  });
});
