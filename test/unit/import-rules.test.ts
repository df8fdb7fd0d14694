import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync } from 'oxc-parser';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, lowest first (docs/architecture.md describes them; a test below keeps the two
 * in step). An area is a folder or a file under src/; a module belongs to the area that is the
 * longest match of its path. A module may import from its own area and from any area of a lower
 * layer: never from a higher layer, never from another area of its own layer. No import circle
 * anywhere. Type-only imports count like the others: they tie a module to the other's design.
 */
const LAYERS: readonly { name: string; areas: readonly string[] }[] = [
  { name: 'core', areas: ['core'] },
  { name: 'platform', areas: ['config', 'log.ts', 'metrics.ts'] },
  // `relay` is the client of the downstream MTA, used by ingest, item actions, digests and doctor.
  { name: 'adapters', areas: ['store', 'daemons', 'milter', 'relay'] },
  { name: 'auth', areas: ['auth'] },
  { name: 'services', areas: ['lists', 'learning', 'preview', 'retention'] },
  { name: 'use cases', areas: ['actions', 'ingest'] },
  { name: 'features', areas: ['digest', 'import'] },
  { name: 'wiring', areas: ['app-context.ts', 'doctor'] },
  { name: 'http', areas: ['api'] },
  { name: 'composition root', areas: ['server.ts'] },
  { name: 'cli', areas: ['cli'] },
];

/**
 * Known violations, each removed by work already under way. An entry is `from → to` (paths under
 * src/); an entry that no longer matches a violation fails the test, so that this list only shrinks.
 */
const KNOWN_VIOLATIONS: readonly { from: string; to: string; why: string }[] = [];

interface ImportEdge {
  from: string;
  to: string;
}

interface Placement {
  layer: number;
  area: string;
}

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every module of src/ (tests beside the code and .d.ts declarations of packages are not modules of ours). */
function readSources(): Map<string, string> {
  const sources = new Map<string, string>();
  for (const entry of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    const path = entry.split('\\').join('/');
    if (!/\.tsx?$/.test(path) || path.endsWith('.d.ts') || /\.test\.tsx?$/.test(path)) continue;
    sources.set(path, readFileSync(join(SRC, path), 'utf8'));
  }
  return sources;
}

type AstNode = { type?: unknown; [key: string]: unknown };

/** The node that holds the specifier, when `node` names a module (`export const …` names none). */
function specifierNode(node: AstNode): unknown {
  switch (node.type) {
    case 'ImportDeclaration':
    case 'ExportNamedDeclaration':
    case 'ExportAllDeclaration':
    case 'ImportExpression':
      return node.source ?? undefined;
    case 'TSImportType':
      return node.source ?? node.argument;
    case 'TSExternalModuleReference':
      return node.expression;
    default:
      return undefined;
  }
}

function stringValue(node: unknown): string | undefined {
  const literal = node as AstNode | null | undefined;
  if (literal?.type === 'Literal' && typeof literal.value === 'string') return literal.value;
  if (literal?.type === 'TemplateLiteral' && (literal.expressions as unknown[]).length === 0)
    return (literal.quasis as { value: { cooked: string } }[])[0]?.value.cooked;
  return undefined;
}

/**
 * The module specifiers a file names: import and export … from, import(), `import('…')` types and
 * `import x = require('…')`. A specifier that is not a plain string cannot be checked, so it is an
 * error (`unchecked`).
 */
function specifiersOf(path: string, source: string): { specifiers: string[]; unchecked: string[] } {
  const parsed = parseSync(path, source);
  if (parsed.errors.length > 0)
    throw new Error(`src/${path}: ${parsed.errors.map((error) => error.message).join('; ')}`);
  const specifiers: string[] = [];
  const unchecked: string[] = [];
  const pending: unknown[] = [parsed.program];
  while (pending.length > 0) {
    const node = pending.pop() as AstNode | unknown[] | null;
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      pending.push(...node);
      continue;
    }
    const named = specifierNode(node);
    if (named !== undefined) {
      const specifier = stringValue(named);
      if (specifier === undefined) unchecked.push(`src/${path}: ${node.type} with a computed specifier`);
      else specifiers.push(specifier);
    }
    for (const value of Object.values(node))
      if (value !== null && typeof value === 'object') pending.push(value);
  }
  return { specifiers, unchecked };
}

/** The import graph between modules of src/, with any specifier that names no module of ours. */
function importGraph(sources: ReadonlyMap<string, string>): {
  edges: ImportEdge[];
  problems: string[];
} {
  const edges: ImportEdge[] = [];
  const problems: string[] = [];
  for (const [path, source] of sources) {
    const { specifiers, unchecked } = specifiersOf(path, source);
    problems.push(...unchecked);
    for (const specifier of new Set(specifiers)) {
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
      const target = posix.normalize(posix.join(posix.dirname(path), specifier)).replace(/\.js$/, '.ts');
      if (sources.has(target)) edges.push({ from: path, to: target });
      else problems.push(`src/${path}: '${specifier}' names no module of src/`);
    }
  }
  return { edges, problems };
}

function placementOf(path: string): Placement | undefined {
  let best: (Placement & { length: number }) | undefined;
  LAYERS.forEach((layer, index) => {
    for (const area of layer.areas) {
      const matches = path === area || path.startsWith(`${area}/`);
      if (matches && (!best || area.length > best.length)) best = { layer: index, area, length: area.length };
    }
  });
  return best && { layer: best.layer, area: best.area };
}

/** Imports that point up a layer or across areas of one layer, and modules that belong to no layer. */
function layerViolations(paths: Iterable<string>, edges: readonly ImportEdge[]): string[] {
  const violations: string[] = [];
  for (const path of paths)
    if (!placementOf(path))
      violations.push(
        `src/${path} belongs to no layer: add its folder to LAYERS in test/unit/import-rules.test.ts`,
      );
  for (const { from, to } of edges) {
    const source = placementOf(from);
    const target = placementOf(to);
    if (!source || !target || source.area === target.area) continue;
    const name = (placement: Placement) => `${placement.area} (layer ${LAYERS[placement.layer]!.name})`;
    if (target.layer > source.layer)
      violations.push(`src/${from} → src/${to}: ${name(source)} imports from ${name(target)} above it`);
    else if (target.layer === source.layer)
      violations.push(`src/${from} → src/${to}: ${name(source)} imports from ${name(target)} beside it`);
  }
  return violations;
}

/**
 * The import circles: a depth-first walk reports each import back to a module still on its path, as
 * the path from that module round to it again.
 */
function importCircles(edges: readonly ImportEdge[]): string[] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to].sort());
  const finished = new Set<string>();
  const trail: string[] = [];
  const circles: string[] = [];
  const visit = (module: string): void => {
    trail.push(module);
    for (const imported of next.get(module) ?? []) {
      const back = trail.indexOf(imported);
      if (back >= 0) {
        const circle = [...trail.slice(back), imported].map((each) => `src/${each}`);
        circles.push(`import circle: ${circle.join(' → ')}`);
      } else if (!finished.has(imported)) visit(imported);
    }
    trail.pop();
    finished.add(module);
  };
  for (const module of [...next.keys()].sort()) if (!finished.has(module)) visit(module);
  return circles;
}

const isKnown = (edge: ImportEdge) =>
  KNOWN_VIOLATIONS.some(({ from, to }) => edge.from === from && edge.to === to);

function check(sources: ReadonlyMap<string, string>): string[] {
  const { edges, problems } = importGraph(sources);
  const layered = layerViolations(
    sources.keys(),
    edges.filter((edge) => !isKnown(edge)),
  );
  return [...problems, ...layered, ...importCircles(edges)];
}

describe('import rules of src/', () => {
  const sources = readSources();

  it('has no import that points up a layer or across areas of one layer, and no import circle', () => {
    expect(check(sources)).toEqual([]);
  });

  it('lists only known violations that still exist and still break the rules', () => {
    const { edges } = importGraph(sources);
    const stale = KNOWN_VIOLATIONS.filter(
      (known) =>
        !edges.some((edge) => edge.from === known.from && edge.to === known.to) ||
        layerViolations([], [known]).length === 0,
    ).map(
      ({ from, to, why }) =>
        `src/${from} → src/${to} (${why}) is no violation any more: remove it from KNOWN_VIOLATIONS`,
    );
    expect(stale).toEqual([]);
  });

  it('names the same layers and areas as docs/architecture.md', () => {
    const docs = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
    const rows = docs
      .split('\n')
      .filter((line) => /^\| \d+ /.test(line))
      .map((line) => {
        const cells = line.split('|').map((cell) => cell.trim());
        const areas = [...cells[3]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!.replace(/\/$/, ''));
        return { name: cells[2], areas };
      });
    expect(rows).toEqual(LAYERS.map(({ name, areas }) => ({ name, areas: [...areas] })));
  });
});

describe('the import rule checker', () => {
  const files = (entries: Record<string, string>) => new Map(Object.entries(entries));

  it('flags an import that points up a layer, naming both modules and layers', () => {
    expect(
      check(
        files({ 'store/a.ts': "import type { B } from '../auth/b.js';", 'auth/b.ts': 'export type B = 1;' }),
      ),
    ).toEqual([
      'src/store/a.ts → src/auth/b.ts: store (layer adapters) imports from auth (layer auth) above it',
    ]);
  });

  it('flags an import between two areas of one layer', () => {
    expect(
      check(
        files({
          'lists/a.ts': "export { b } from '../learning/b.js';",
          'learning/b.ts': 'export const b = 1;',
        }),
      ),
    ).toEqual([
      'src/lists/a.ts → src/learning/b.ts: lists (layer services) imports from learning (layer services) beside it',
    ]);
  });

  it('flags dynamic imports and import types too, and allows imports downwards', () => {
    expect(
      check(
        files({
          'core/a.ts': "export const a = () => import('../config/b.js');",
          'core/c.ts': "export type C = typeof import('../config/b.js');",
          'config/b.ts': "import { x } from '../core/x.js'; export const b = x;",
          'core/x.ts': 'export const x = 1;',
        }),
      ),
    ).toEqual([
      'src/core/a.ts → src/config/b.ts: core (layer core) imports from config (layer platform) above it',
      'src/core/c.ts → src/config/b.ts: core (layer core) imports from config (layer platform) above it',
    ]);
  });

  it('flags an import circle inside one area, also through type-only imports', () => {
    expect(
      check(
        files({
          'ingest/a.ts': "import { b } from './b.js'; export const a = b;",
          'ingest/b.ts': "import type { C } from './scanners/c.js'; export const b: C = 1;",
          'ingest/scanners/c.ts': "import type { a } from '../a.js'; export type C = typeof a;",
        }),
      ),
    ).toEqual([
      'import circle: src/ingest/a.ts → src/ingest/b.ts → src/ingest/scanners/c.ts → src/ingest/a.ts',
    ]);
  });

  it('flags a module in no layer, a specifier that names no module and one it cannot read', () => {
    expect(
      check(
        files({
          'widgets/w.ts':
            "import { gone } from '../core/gone.js'; export const w = (name: string) => import(name);",
        }),
      ),
    ).toEqual([
      'src/widgets/w.ts: ImportExpression with a computed specifier',
      "src/widgets/w.ts: '../core/gone.js' names no module of src/",
      'src/widgets/w.ts belongs to no layer: add its folder to LAYERS in test/unit/import-rules.test.ts',
    ]);
  });
});
