import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { parseMilterListen } from '../../src/milter/milter-server.js';

describe('milter.listen', () => {
  it('reads Postfix’s inet: and unix: notation', () => {
    expect(parseMilterListen('inet:127.0.0.1:10027')).toEqual({ host: '127.0.0.1', port: 10027 });
    expect(parseMilterListen('inet:[::1]:10027')).toEqual({ host: '::1', port: 10027 });
    expect(parseMilterListen('unix:/run/lazaret/milter.sock')).toEqual({ path: '/run/lazaret/milter.sock' });
    expect(() => parseMilterListen('inet:127.0.0.1:70000')).toThrow(/not inet:host:port/);
  });

  it('is validated at start, naming the key', () => {
    expect(loadConfig({ env: { LAZARET_MODE: 'milter' } }).milter).toEqual({
      listen: 'inet:127.0.0.1:10027',
      rejectReasons: [],
    });
    expect(() => loadConfig({ env: { LAZARET_MILTER_LISTEN: '127.0.0.1:10027' } })).toThrow(/milter\.listen/);
    expect(() => loadConfig({ env: { LAZARET_MILTER_REJECT_REASONS: 'virus' } })).toThrow(
      /milter\.rejectReasons/,
    );
    expect(
      loadConfig({ env: { LAZARET_MILTER_REJECT_REASONS: 'malware,phish' } }).milter.rejectReasons,
    ).toEqual(['malware', 'phish']);
  });
});
