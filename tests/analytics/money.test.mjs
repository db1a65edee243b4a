// Report money: exact decimal text <-> integer units, rounding of averages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { divideUnits, formatUnits, percent, toUnits } from '../../analytics/src/money.mjs';

test('money: amounts as records write them become units of 1/100000, and back', () => {
  assert.equal(toUnits('12'), 1_200_000n);
  assert.equal(toUnits('12.5'), 1_250_000n);
  assert.equal(toUnits('0.00001'), 1n);
  assert.equal(toUnits('-3.20'), -320_000n);
  assert.equal(toUnits('999999999999999.99999'), 99_999_999_999_999_999_999n);
  for (const bad of ['', '1.234567', '1e3', ' 1', '1.', '.5', '0x10', '1,5', 12, null]) assert.equal(toUnits(bad), null, String(bad));
  assert.equal(formatUnits(1_250_000n), '12.50');
  assert.equal(formatUnits(1n), '0.00001');
  assert.equal(formatUnits(123_450n), '1.2345');
  assert.equal(formatUnits(0n), '0.00');
  assert.equal(formatUnits(-5n), '-0.00005');
  assert.equal(formatUnits(-100_000n), '-1.00');
});

test('money: sums stay exact where doubles drift', () => {
  let units = 0n;
  let double = 0;
  for (let i = 0; i < 10; i += 1) {
    units += toUnits('0.10');
    double += 0.1;
  }
  assert.equal(formatUnits(units), '1.00');
  assert.notEqual(double, 1);
});

test('money: averages and rates round half away from zero', () => {
  assert.equal(divideUnits(1_300_000n, 13), '1.00');
  assert.equal(divideUnits(100_000n, 3), '0.33333');
  assert.equal(divideUnits(200_000n, 3), '0.66667');
  assert.equal(divideUnits(-200_000n, 3), '-0.66667');
  assert.equal(divideUnits(5n, 10), '0.00001');  // 0.000005 -> 0.00001
  assert.equal(divideUnits(1n, 0), null);
  assert.equal(percent(1, 3), '33.33');
  assert.equal(percent(2, 3), '66.67');
  assert.equal(percent(1, 8), '12.50');
  assert.equal(percent(0, 5), '0.00');
  assert.equal(percent(1, 0), null);
});
