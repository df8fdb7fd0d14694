import { describe, expect, it } from 'vitest';
import { parseClamdReply } from './clamd-client.js';
import { parseSpamdReply } from './spamd-client.js';

describe('daemon reply parsers', () => {
  it('spamd SYMBOLS replies', () => {
    expect(
      parseSpamdReply(
        'SPAMD/1.1 0 EX_OK\r\nContent-length: 20\r\nSpam: True ; 1000.0 / 5.0\r\n\r\nGTUBE,MISSING_DATE\r\n',
      ),
    ).toEqual({ spam: true, score: 1000, threshold: 5, symbols: ['GTUBE', 'MISSING_DATE'] });
    expect(parseSpamdReply('SPAMD/1.1 0 EX_OK\r\nSpam: False ; -0.5 / 5.0\r\n\r\n')).toMatchObject({
      spam: false,
      score: -0.5,
      symbols: [],
    });
    expect(() => parseSpamdReply('SPAMD/1.0 76 Bad header line: x\r\n')).toThrow(/spamd failed: 76/);
    expect(() => parseSpamdReply('')).toThrow(/no SPAMD status line/);
  });

  it('clamd INSTREAM replies', () => {
    expect(parseClamdReply('stream: OK\0')).toEqual({ infected: false });
    expect(parseClamdReply('stream: Win.Test.EICAR_HDB-1 FOUND\0')).toEqual({
      infected: true,
      virus: 'Win.Test.EICAR_HDB-1',
    });
    expect(() => parseClamdReply('INSTREAM size limit exceeded. ERROR\0')).toThrow(/size limit exceeded/);
  });
});
