import type { MilterDecision, MilterMessage, MilterPolicy } from '../../src/milter/milter-policy.js';

export interface SeenMessage {
  message: MilterMessage;
  body: Buffer;
  /** The macros as they stood once the body had ended (end-of-message ones included). */
  macros: Map<string, string>;
  aborted: boolean;
}

/**
 * A policy for tests: reads the whole body, keeps what it saw, removes the recipients in `held`
 * with DELRCPT and adds `X-Lazaret-Test: held=<addresses>` (or, when every recipient is held,
 * answers with `allHeld`).
 */
export function holdingPolicy(
  held: readonly string[],
  allHeld: MilterDecision['reply'] = 'discard',
): MilterPolicy & { seen: SeenMessage[] } {
  const seen: SeenMessage[] = [];
  return {
    seen,
    async decide(message) {
      const record: SeenMessage = { message, body: Buffer.alloc(0), macros: new Map(), aborted: false };
      seen.push(record);
      message.signal.addEventListener('abort', () => {
        record.aborted = true;
      });
      const chunks: Buffer[] = [];
      for await (const chunk of message.body) chunks.push(chunk as Buffer);
      record.body = Buffer.concat(chunks);
      record.macros = new Map(message.macros);
      const removed = message.recipients.filter((recipient) => held.includes(recipient.address));
      if (removed.length > 0 && removed.length === message.recipients.length) {
        return { modifications: [], reply: allHeld };
      }
      return {
        modifications: [
          ...removed.map((recipient) => ({ type: 'delrcpt' as const, recipient: `<${recipient.address}>` })),
          {
            type: 'addheader' as const,
            name: 'X-Lazaret-Test',
            value: `held=${removed.map((recipient) => recipient.address).join(',') || 'none'}`,
          },
        ],
        reply: 'continue',
      };
    },
  };
}
