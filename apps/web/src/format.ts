// How numbers read on the dashboard.
import { type TokenUnit, formatPricePerFuel } from '@agora/sdk/amounts';

/** The dashboard's payment token: the dev network's test dollar. */
export const tusd: TokenUnit = { symbol: 'tUSD', decimals: 6 };

export function amount(value: string | null | undefined, decimals = 6): string {
  if (value === null || value === undefined) return '—';
  const whole = BigInt(value);
  const unit = 10n ** BigInt(decimals);
  const integer = whole / unit;
  const fraction = (whole % unit).toString().padStart(decimals, '0').slice(0, 2);
  return `${integer.toLocaleString('en-US')}.${fraction}`;
}

/** An amount of the test dollar with its unit; below a cent, in base units (two decimals would read 0.00). */
export function money(value: string | null | undefined, decimals = 6): string {
  if (value === null || value === undefined) return '—';
  const whole = BigInt(value);
  if (whole > 0n && whole * 100n < 10n ** BigInt(decimals))
    return `${whole.toLocaleString('en-US')} base units of tUSD`;
  return `${amount(value, decimals)} tUSD`;
}

export function stake(value: string): string {
  return `${(BigInt(value) / 10n ** 18n).toLocaleString('en-US')} AGORA`;
}

export function bytes(value: string | number): string {
  const n = Number(value);
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

export function time(seconds: number): string {
  return new Date(seconds * 1000).toLocaleTimeString('en-GB');
}

export function percent(share: number | null): string {
  return share === null ? '—' : `${(share * 100).toFixed(1)} %`;
}

/** A price per fuel unit in tUSD, exact (prices are millionths of a dollar or less): "0.000002 tUSD/fuel". */
export function pricePerFuel(value: string | null | undefined): string {
  return value === null || value === undefined ? '—' : formatPricePerFuel(BigInt(value), tusd);
}

/** Fuel with thousands separators: "38,943 fuel". */
export function fuel(value: string | number | bigint | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return `${BigInt(value).toLocaleString('en-US')} fuel`;
}

/** Memory as people compare machines: GiB. */
export function memory(mebibytes: number): string {
  const gib = mebibytes / 1024;
  return `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GiB`;
}
