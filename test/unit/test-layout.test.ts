import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(new URL(dir, ROOT), { recursive: true, encoding: 'utf8' })
    .filter((file) => pattern.test(file))
    .map((file) => `${dir}${file}`);
}

const importsOf = (file: string) =>
  [...readFileSync(new URL(file, ROOT), 'utf8').matchAll(/from '([^']+)'/g)].map((match) => match[1]!);

describe('test code layout (test/support/README.md)', () => {
  it('keeps shared test code in test/support only', () => {
    expect(existsSync(new URL('test/helpers', ROOT))).toBe(false);
  });

  it('lets bench/ reach test code only through the shared kit', () => {
    const reaching = filesUnder('bench/', /\.(ts|mjs)$/).flatMap((file) =>
      importsOf(file)
        .filter((path) => path.includes('/test/') && !path.endsWith('/test/support/kit.js'))
        .map((path) => `${file} imports ${path}`),
    );
    expect(reaching).toEqual([]);
  });

  it('keeps the shared kit free of vitest, so that bench can run it', () => {
    const kit = importsOf('test/support/kit.ts').map(
      (path) => `test/support/${path.slice(2).replace(/\.js$/, '.ts')}`,
    );
    for (const file of kit) expect(importsOf(file), file).not.toContain('vitest');
  });

  it('has one fake SMTP server: only test/support/downstream.ts builds an SMTPServer', () => {
    const builders = [...filesUnder('test/', /\.ts$/), ...filesUnder('src/', /\.test\.ts$/)].filter((file) =>
      readFileSync(new URL(file, ROOT), 'utf8').includes(`new ${'SMTPServer'}(`),
    );
    expect(builders).toEqual(['test/support/downstream.ts']);
  });
});
