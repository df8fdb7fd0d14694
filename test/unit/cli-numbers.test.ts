import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { wholeNumberAtLeast } from '../../src/cli/cli-support.js';

describe('CLI whole-number options', () => {
  const parse = wholeNumberAtLeast(1);

  it('reads plain decimal digits', () => {
    expect(parse('1')).toBe(1);
    expect(parse('250')).toBe(250);
    expect(wholeNumberAtLeast(0)('0')).toBe(0);
  });

  it.each(['0x10', '1e3', '12abc', '-1', '+1', '1.0', ' 1', '', 'Infinity', 'NaN', '0b1', '１', '0'])(
    'refuses %j instead of reading it as another number',
    (value) => {
      expect(() => parse(value)).toThrow(InvalidArgumentError);
    },
  );
});
