/*
 * Integer flags and arguments are plain decimals: `0x5`, `+26`, `028` (octal to some tools),
 * `18.0`, `1e3` and integers beyond 2^53 are refused rather than read as a number the user did
 * not mean (Number("0x5") is 5, Number("1e3") is 1000).
 */

const DECIMAL = /^-?(0|[1-9][0-9]*)$/;

/** The value of a plain decimal integer (a leading `-` only when `signed`), else undefined. */
export function decimal(v: string, signed = false): number | undefined {
  if (!DECIMAL.test(v) || (!signed && v.startsWith("-"))) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}
