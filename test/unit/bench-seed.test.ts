import { describe, expect, it } from 'vitest';
import { type SeedShape, seedBatches } from '../../bench/lib/seed.js';

const shape = (order: SeedShape['order']): SeedShape => ({
  messages: 2_000,
  recipientsPerMessage: 1,
  users: 100,
  domains: 10,
  senders: 50,
  days: 30,
  end: new Date('2026-11-01T00:00:00.000Z'),
  ...(order ? { order } : {}),
});

const receivedTimes = (order: SeedShape['order']) =>
  [...seedBatches(shape(order), 300)].flat().map(({ message }) => message.receivedAt);

describe('benchmark seed', () => {
  it('stores messages in the order received when asked for arrival order, over the whole span', () => {
    const times = receivedTimes('arrival');
    expect(times).toHaveLength(2_000);
    expect(times).toEqual([...times].sort());
    expect(Date.parse(times[0]!)).toBeLessThan(Date.parse('2026-10-02T12:00:00.000Z'));
    expect(Date.parse(times.at(-1)!)).toBeGreaterThan(Date.parse('2026-10-31T12:00:00.000Z'));
  });

  it('stores them at random times otherwise, with the same senders, subjects and recipients', () => {
    const random = [...seedBatches(shape(undefined), 300)].flat();
    const arrival = [...seedBatches(shape('arrival'), 300)].flat();
    const times = random.map(({ message }) => message.receivedAt);
    expect(times).not.toEqual([...times].sort());
    const content = (batch: typeof random) =>
      batch.map(({ message, items }) => [message.headers.subject, items.map((item) => item.recipient)]);
    expect(content(arrival)).toEqual(content(random));
  });
});
