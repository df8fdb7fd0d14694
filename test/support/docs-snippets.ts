import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The JSON blocks of a doc marked `<!-- snippet: name -->`, by name: tests load the configuration a
 * reader would copy, so a doc example that stops working fails a test.
 */
export function docSnippets(doc: string): Map<string, unknown> {
  const text = readFileSync(join(import.meta.dirname, '../../docs', doc), 'utf8');
  const snippets = new Map<string, unknown>();
  for (const match of text.matchAll(/<!-- snippet: ([\w-]+) -->\s*```json\n([\s\S]*?)```/g)) {
    snippets.set(match[1]!, JSON.parse(match[2]!));
  }
  return snippets;
}

/** The JSON block of a doc under `<!-- config: name … -->` (a whole config file a test serves with), as text. */
export function docConfigBlock(doc: string, name: string): string {
  const text = readFileSync(join(import.meta.dirname, '../../docs', doc), 'utf8');
  const block = new RegExp(`<!-- config: ${name}\\b[^>]*-->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!block) throw new Error(`docs/${doc} has no config block ${name}`);
  return block[1]!;
}

/** The code block of a doc under `<!-- block: name -->`, any language (an rspamd or Postfix config a test runs), as text. */
export function docTextBlock(doc: string, name: string): string {
  const text = readFileSync(join(import.meta.dirname, '../../docs', doc), 'utf8');
  const block = new RegExp(`<!-- block: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!block) throw new Error(`docs/${doc} has no block ${name}`);
  return block[1]!;
}
