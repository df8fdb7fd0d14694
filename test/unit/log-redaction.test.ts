import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

describe('log redaction', () => {
  it('censors secrets wherever a logged object carries them', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info({
      password: 'p4ssword-one',
      body: { password: 'p4ssword-two', csrfToken: 'csrf-three' },
      auth: { adminPassword: 'admin-four' },
      created: { secret: 'lzt_five' },
      req: {
        headers: {
          authorization: 'Bearer lzt_six',
          cookie: 'lazaret_session=lzs_seven',
          'x-csrf-token': 'eight',
        },
      },
    });
    const text = lines.join('');
    for (const secret of [
      'p4ssword-one',
      'p4ssword-two',
      'csrf-three',
      'admin-four',
      'lzt_five',
      'lzt_six',
      'lzs_seven',
      'eight',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });
});
