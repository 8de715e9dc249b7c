// Token amounts as people read and type them: the chain counts base units, people count tokens ("1.5 tUSD").
// Conversions are exact (bigint arithmetic, no floats); a token's symbol and decimals come from the token itself.
import { AgoraError, errorCodes } from '@agora/errors';
import { type Address, type PublicClient, erc20Abi } from 'viem';

/** What it takes to write an amount of a token: its symbol and its decimals. */
export type TokenUnit = { symbol: string; decimals: number };

/** An amount as `--json` prints it: the exact decimal, the token, and the base units the chain counts. */
export type AmountJson = { value: string; token: string; baseUnits: string };

/** `base` as an exact decimal string in whole tokens, without trailing zeros: 1500000n, 6 → "1.5". */
export function decimalOf(base: bigint, decimals: number): string {
  const negative = base < 0n;
  const magnitude = negative ? -base : base;
  const scale = 10n ** BigInt(decimals);
  const whole = (magnitude / scale).toString();
  const fraction = decimals === 0 ? '' : (magnitude % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** `base` as people read it: "1,234.5 tUSD" (every decimal kept: amounts are exact). */
export function formatAmount(base: bigint, unit: TokenUnit): string {
  const [whole = '0', fraction] = decimalOf(base, unit.decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${grouped}${fraction ? `.${fraction}` : ''} ${unit.symbol}`;
}

/** A price per fuel unit as people read it: "0.000002 tUSD/fuel". */
export function formatPricePerFuel(base: bigint, unit: TokenUnit): string {
  return `${formatAmount(base, unit)}/fuel`;
}

export function amountJson(base: bigint, unit: TokenUnit): AmountJson {
  return { value: decimalOf(base, unit.decimals), token: unit.symbol, baseUnits: base.toString() };
}

/**
 * Reads an amount someone typed: whole tokens with up to `decimals` decimals ("1.5", "1.5 tUSD", "0.000002"), or
 * base units when asked for explicitly ("1500000base").
 * @throws AgoraError INVALID_ARGUMENT naming what was wrong and what is accepted
 */
export function parseAmount(text: string, unit: TokenUnit, what = 'The amount'): bigint {
  const trimmed = text.trim();
  const base = /^([0-9]+)\s*base$/i.exec(trimmed);
  if (base?.[1] !== undefined) return BigInt(base[1]);
  const symbol = unit.symbol.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const decimal = new RegExp(`^([0-9]+)(?:\\.([0-9]+))?(?:\\s*${symbol})?$`, 'i').exec(trimmed);
  const accepted = `an amount of ${unit.symbol} like 1.5 (at most ${unit.decimals} decimals) or base units like 1500000base`;
  if (!decimal?.[1]) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, `${what} must be ${accepted}; got "${text}".`);
  }
  const fraction = decimal[2] ?? '';
  if (fraction.length > unit.decimals) {
    throw new AgoraError(
      errorCodes.INVALID_ARGUMENT,
      `${what} has more decimals than ${unit.symbol} (${unit.decimals}); got "${text}". It must be ${accepted}.`,
    );
  }
  return BigInt(decimal[1]) * 10n ** BigInt(unit.decimals) + BigInt(fraction.padEnd(unit.decimals, '0') || '0');
}

/** A token's symbol and decimals, read once per token and client. */
export function createTokenUnits(publicClient: PublicClient) {
  const known = new Map<string, Promise<TokenUnit>>();
  return (token: Address): Promise<TokenUnit> => {
    const key = token.toLowerCase();
    let unit = known.get(key);
    if (!unit) {
      unit = Promise.all([
        publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'symbol' }),
        publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }),
      ]).then(
        ([symbol, decimals]) => ({ symbol, decimals }),
        (cause: unknown) => {
          known.delete(key);
          throw new AgoraError(errorCodes.CONTRACT_REVERTED, `${token} does not answer as an ERC-20 token.`, { cause });
        },
      );
      known.set(key, unit);
    }
    return unit;
  };
}
