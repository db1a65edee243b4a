// Money in reports: exact. Records carry amounts as decimal text with at most five decimals
// (lib/money.hpp); reports store and sum them as integers of 1/100000 and format them back,
// never through floating point.

const SCALE_DIGITS = 5;
const SCALE = 10n ** BigInt(SCALE_DIGITS);
const AMOUNT = /^(-?)(\d{1,15})(?:\.(\d{1,5}))?$/;

// '12.5' -> 1250000n; null for anything that is not such an amount.
export function toUnits(text) {
  const match = typeof text === 'string' ? AMOUNT.exec(text) : null;
  if (!match) return null;
  const units = BigInt(match[2]) * SCALE + BigInt((match[3] ?? '').padEnd(SCALE_DIGITS, '0'));
  return match[1] ? -units : units;
}

// 1250000n -> '12.50': at least two decimals, more only where the amount has them.
export function formatUnits(units) {
  const value = BigInt(units);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const whole = magnitude / SCALE;
  const fraction = (magnitude % SCALE).toString().padStart(SCALE_DIGITS, '0');
  return `${negative ? '-' : ''}${whole}.${trimFraction(fraction)}`;
}

function trimFraction(fraction) {
  let end = fraction.length;
  while (end > 2 && fraction[end - 1] === '0') end -= 1;
  return fraction.slice(0, end);
}

// units / count, rounded half away from zero to five decimals, formatted; null when count is 0.
export function divideUnits(units, count) {
  const divisor = BigInt(count);
  if (divisor === 0n) return null;
  const value = BigInt(units);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const rounded = (magnitude * 2n + divisor) / (divisor * 2n);
  return formatUnits(negative ? -rounded : rounded);
}

// part / whole as a percentage with two decimals ('12.50'), rounded half up; null when whole is 0.
export function percent(part, whole) {
  const divisor = BigInt(whole);
  if (divisor === 0n) return null;
  const hundredths = (BigInt(part) * 10000n * 2n + divisor) / (divisor * 2n);
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, '0')}`;
}
