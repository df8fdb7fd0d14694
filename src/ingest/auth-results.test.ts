import { describe, expect, it } from 'vitest';
import { parseAuthenticationResults } from './auth-results.js';

describe('parseAuthenticationResults', () => {
  it('reads SPF, DKIM, DMARC and ARC with their comments and properties, and skips other methods', () => {
    expect(
      parseAuthenticationResults(
        'mx.example.test 1; auth=pass smtp.auth=a; spf=SoftFail (domain of b.test does not designate 192.0.2.1) smtp.mailfrom=a@b.test; dkim=pass (2048-bit key; unprotected) header.d=b.test header.s=s1; dmarc=none header.from=b.test; arc=pass (i=1)',
      ),
    ).toEqual([
      {
        method: 'spf',
        result: 'softfail',
        detail: 'domain of b.test does not designate 192.0.2.1; smtp.mailfrom=a@b.test',
      },
      { method: 'dkim', result: 'pass', detail: '2048-bit key; unprotected; header.d=b.test header.s=s1' },
      { method: 'dmarc', result: 'none', detail: 'header.from=b.test' },
      { method: 'arc', result: 'pass', detail: 'i=1' },
    ]);
  });

  it('answers nothing for a header without results or with only "none"', () => {
    expect(parseAuthenticationResults('mx.example.test; none')).toEqual([]);
    expect(parseAuthenticationResults('')).toEqual([]);
    expect(parseAuthenticationResults('mx.example.test; dkim = (unbalanced')).toEqual([]);
  });
});
