// Bad input through core intake and the simulator's HTTP route (issue #8): whatever a resident sends,
// intake does not throw, the resident gets a sensible answer (an acknowledgement with the ticket code,
// or a request to describe the matter in words), the text is stored as sent, and every reply fits
// the platforms' limits once split.
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TELEGRAM_TEXT_LIMIT } from '../../bots/telegram/outbound.ts';
import { registerSimulatorRoutes } from '../../bots/web/routes.ts';
import { countTweetLength, splitThread, TWEET_LIMIT } from '../../core/post-length.ts';
import { splitAtBoundaries } from '../../core/text.ts';
import { findMessageByExternalId } from '../../storage/repositories/index.ts';
import { outbox } from '../../storage/schema.ts';
import { createTestCore, type TestCore } from '../helpers.ts';
import { messageText, runs, shortMessageText, wellFormed } from './arbitraries.ts';
import { gt, max } from 'drizzle-orm';

let core: TestCore;
let app: FastifyInstance;
let counter = 0;

beforeAll(async () => {
  core = createTestCore();
  app = Fastify();
  registerSimulatorRoutes(app, core.ctx, () => undefined);
  await app.ready();
});

afterAll(async () => {
  await app.close();
  core.close();
});

const ANSWERS = {
  new_ticket: 'ack',
  needs_text: 'needs_text',
} as const;

/** A high-surrogate at the end or a low one at the start of a part means a pair was cut in two. */
function cutsPair(part: string): boolean {
  const last = part.charCodeAt(part.length - 1);
  const first = part.charCodeAt(0);
  return (last >= 0xd800 && last <= 0xdbff) || (first >= 0xdc00 && first <= 0xdfff);
}

/** Every outbox row queued after `afterId` splits into parts each platform takes. */
function expectRepliesFit(afterId: number): void {
  const rows = core.ctx.store.db.select().from(outbox).where(gt(outbox.id, afterId)).all();
  for (const row of rows) {
    const text = row.text;
    for (const part of splitAtBoundaries(text, TELEGRAM_TEXT_LIMIT)) {
      expect(part.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
      expect(part.trim()).not.toBe('');
      if (text === wellFormed(text)) expect(cutsPair(part)).toBe(false);
    }
    for (const part of splitThread(text, TWEET_LIMIT)) expect(countTweetLength(part)).toBeLessThanOrEqual(TWEET_LIMIT);
  }
}

const lastOutboxId = () => core.ctx.store.db.select({ id: max(outbox.id) }).from(outbox).get()?.id ?? 0;

describe('core intake with generated messages', () => {
  it('never throws, answers every resident sensibly, stores the text as sent and keeps replies within platform limits', () => {
    fc.assert(
      fc.property(messageText, (text) => {
        counter += 1;
        const user = `prop-warga-${counter}`;
        const id = `prop-${counter}`;
        const before = lastOutboxId();
        const result = core.send(user, text, { id });
        expect(result.duplicate).toBe(false);
        expect(['new_ticket', 'needs_text', 'resident_command']).toContain(result.outcome);

        // Stored as sent (lone surrogates aside, which no UTF-8 store can hold: see wellFormed).
        const stored = findMessageByExternalId(core.ctx.store.db, 'web', id);
        expect(stored?.text).toBe(wellFormed(text));

        // A first message always gets an answer in its own chat.
        const replies = core.rows(user).filter((row) => row.id > before);
        expect(replies.length).toBeGreaterThanOrEqual(1);
        const purpose = ANSWERS[result.outcome as keyof typeof ANSWERS] as string | undefined;
        if (purpose) expect(replies.map((row) => row.purpose)).toContain(purpose);
        if (result.outcome === 'new_ticket') {
          expect(replies.some((row) => row.text.includes(result.ticketCode ?? '?'))).toBe(true);
        }
        // Only what has letters or digits opens a ticket; the rest is asked for words.
        if (!/[\p{L}\p{N}]/u.test(text)) expect(result.outcome).not.toBe('new_ticket');
        expectRepliesFit(before);

        // A redelivery of the same message changes nothing.
        const queued = lastOutboxId();
        const again = core.send(user, text, { id });
        expect(again.duplicate).toBe(true);
        expect(lastOutboxId()).toBe(queued);
      }),
      { numRuns: runs(600) },
    );
  }, 120_000);
});

describe('the simulator route with generated messages', () => {
  it('answers 201 and shows the resident an answer, storing the text as sent', async () => {
    await fc.assert(
      fc.asyncProperty(shortMessageText, async (text) => {
        counter += 1;
        const user = `prop-web-${counter}`;
        const id = `prop-web-msg-${counter}`;
        const response = await app.inject({ method: 'POST', url: '/simulator/messages', payload: { user, text, id } });
        expect(response.statusCode, response.body).toBe(201);
        const body = response.json<{ id: string; duplicate: boolean; outcome: string }>();
        expect(body).toMatchObject({ id, duplicate: false });
        expect(findMessageByExternalId(core.ctx.store.db, 'web', id)?.text).toBe(wellFormed(text));
        // What the simulator would show the resident once the outbox has sent the answer.
        expect(core.rows(user).length).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: runs(300) },
    );
  }, 60_000);
});
