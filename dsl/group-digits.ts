// Numbers in messages and progress lines, written as `toLocaleString('en-US')` writes them
// ("2,226,000", "1,234.5"), without it: the first call of an Intl method maps ICU's locale data,
// 7 MiB more resident memory in every process that prints a count (a training run included).

/** `n` with a comma between each group of three digits and at most three decimals (rounded). */
export function groupDigits(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  // toFixed keeps integers up to 1e21 exact; beyond that JavaScript writes an exponent anyway.
  if (Math.abs(n) >= 1e21) return String(n);
  const fixed = Math.abs(n).toFixed(3).replace(/\.?0+$/, '');
  const [whole, fraction] = fixed.split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  const sign = n < 0 && fixed !== '0' ? '-' : '';
  return `${sign}${grouped}${fraction !== undefined ? `.${fraction}` : ''}`;
}
