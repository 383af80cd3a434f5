// A reduced burst (issue #8): 1,000 messages from 200 residents posted to the simulator of the real
// service at once (scripts/burst.ts, 100 in flight). Every post is answered 2xx, every message is
// stored once, each resident has one ticket (all their messages fall within the threading window)
// and receives its acknowledgement once — a burst of messages gets one answer, not one each.
import { count, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { WebAdapter } from '../../bots/web/adapter.ts';
import { OutboxWorker } from '../../core/outbox.ts';
import { residentId, runBurst, startBurstService } from '../../scripts/burst.ts';
import type { Service } from '../../scripts/service.ts';
import { enqueueOutbox } from '../../storage/repositories/index.ts';
import { contacts, messages, outbox, tickets } from '../../storage/schema.ts';
import { createTestCore, daytimeProfilePath, tempDir } from '../helpers.ts';

const MESSAGES = 1_000;
const RESIDENTS = 200;
const data = tempDir('aspirasi-burst-');
let service: Service | undefined;

afterAll(async () => {
  await service?.stop();
  data.cleanup();
});

describe(`a burst of ${MESSAGES} messages from ${RESIDENTS} residents`, () => {
  it('answers every post, keeps one ticket per resident and acknowledges each once', async () => {
    const started = await startBurstService(data.dir, daytimeProfilePath());
    service = started.service;
    const result = await runBurst(started.base, { messages: MESSAGES, residents: RESIDENTS, concurrency: 100 });
    expect(result.failures).toEqual([]);
    expect(result.unacknowledged).toEqual([]);
    expect(result.report).toMatchObject({ messages: MESSAGES, residents: RESIDENTS, errors: 0 });

    const db = service.ctx.store.db;
    const inbound = db.select({ n: count() }).from(messages).where(eq(messages.direction, 'in')).get()?.n;
    expect(inbound).toBe(MESSAGES);
    const rows = db
      .select({ user: contacts.externalId, ticket: messages.ticketId })
      .from(messages)
      .innerJoin(contacts, eq(contacts.id, messages.contactId))
      .where(eq(messages.direction, 'in'))
      .all();
    const ticketsOf = new Map<string, Set<number | null>>();
    for (const row of rows) ticketsOf.set(row.user, (ticketsOf.get(row.user) ?? new Set()).add(row.ticket));
    expect(ticketsOf.size).toBe(RESIDENTS);
    const split = [...ticketsOf].filter(([, ids]) => ids.size !== 1 || ids.has(null)).map(([user]) => user);
    expect(split, 'residents whose messages are not all on one ticket').toEqual([]);
    expect(db.select({ n: count() }).from(tickets).get()?.n).toBe(RESIDENTS);

    // Each resident was sent exactly one message: the acknowledgement with their ticket code.
    const toResidents = db.select({ chat: outbox.chatId, purpose: outbox.purpose, state: outbox.state, text: outbox.text }).from(outbox).all()
      .filter((row) => row.chat.startsWith('burst-warga-'));
    expect(toResidents).toHaveLength(RESIDENTS);
    for (let index = 0; index < RESIDENTS; index += 1) {
      const user = residentId(index);
      const [ack, ...more] = toResidents.filter((row) => row.chat === user);
      expect(more, `further messages to ${user}`).toEqual([]);
      expect(ack).toMatchObject({ purpose: 'ack', state: 'sent' });
      expect(ack?.text).toContain(result.tickets.get(user) ?? '?');
    }
  }, 240_000);
});

describe('the outbox under a backlog', () => {
  it('lets requests in while it sends, even through a channel that answers at once', async () => {
    const core = createTestCore();
    try {
      for (let i = 0; i < 150; i += 1) {
        enqueueOutbox(core.ctx.store.db, { channel: 'web', chatId: `warga-${i}`, text: `balasan ${i}`, purpose: 'reply', nextAttemptAt: core.clock.now, createdAt: core.clock.now });
      }
      const worker = new OutboxWorker(core.ctx, new Map([['web', new WebAdapter()]]));
      let requestServed = false;
      const pass = worker.runOnce();
      // Stands for an HTTP request arriving meanwhile: it runs only if the pass gives the event loop a turn.
      setTimeout(() => {
        requestServed = true;
      }, 0);
      expect(await pass).toBe(100);
      expect(requestServed).toBe(true);
    } finally {
      core.close();
    }
  });
});
