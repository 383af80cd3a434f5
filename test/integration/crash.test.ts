// Acceptance test of the reliability rules (DESIGN.md): the real service as a child process, killed
// with SIGKILL at random points of a burst of 500 messages (four times), restarted each time on the
// same data directory, and fed the messages not yet confirmed again, as a platform redelivers
// unconfirmed updates (some of them were stored before the kill: those must not count twice).
// Nothing confirmed may be lost, redelivery may create no duplicate ticket, every ticket is
// acknowledged, and no reply goes out twice except one per row in flight at a kill.
// The kill points come from a seeded PRNG; the seed is in the test's name, and
// `TEST_SEED=<seed> npx vitest run test/integration/crash.test.ts` replays a failing run.
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { randomInt, seededRandom, testSeed } from '../random.ts';
import {
  burst,
  killChildren,
  openDb as openDataDb,
  startChild as startServiceChild,
  stopGracefully,
  storedInboundIds,
  waitDrained,
} from './child.ts';

const USERS = 50;
const PER_USER = 10;
const TOTAL = USERS * PER_USER;
const CONCURRENCY = 20;
const SEED = testSeed();
const random = seededRandom(SEED);
/**
 * One entry per kill/restart cycle: the service is SIGKILLed `delayMs` after `responses` of the
 * unconfirmed messages were answered with 2xx in that cycle (the delay lets the kill land while the
 * service is busy storing or sending, not just after it answered). Four cycles of at most 100 + the
 * requests in flight leave messages for every cycle.
 */
const KILLS = Array.from({ length: 4 }, () => ({ responses: randomInt(random, 20, 100), delayMs: randomInt(random, 0, 25) }));

const TEMPLATES = [
  'Jalan di gang dekat rumah saya berlubang besar, motor sering jatuh',
  'Lampu jalan di depan mushola mati sudah dua minggu, gelap sekali',
  'Air PAMSIMAS tidak mengalir sejak kemarin pagi',
  'Sampah menumpuk di pinggir sungai dan baunya menyengat',
  'Mohon info pendaftaran bantuan BLT Dana Desa untuk lansia',
];

interface Burst {
  id: string;
  user: string;
  text: string;
}

/** Each resident writes 10 messages in a row, so new tickets are opened all through the burst. */
const BURST: Burst[] = Array.from({ length: TOTAL }, (_, i) => {
  const user = `warga-${Math.floor(i / PER_USER)}`;
  const template = TEMPLATES[(i * 7) % TEMPLATES.length] ?? '';
  return { id: `burst-${i}`, user, text: `${template} (pesan ke-${i} dari ${user})` };
});

const data = tempDir('aspirasi-crash-');

afterAll(async () => {
  await killChildren();
  data.cleanup();
});

const startChild = () => startServiceChild(data.dir);
const openDb = () => openDataDb(data.dir);

describe(`crash safety: SIGKILL at ${KILLS.length} random points of a burst of 500 messages (TEST_SEED=${SEED})`, () => {
  const everConfirmed = new Set<string>();
  const log: string[] = [];

  it(
    'loses nothing confirmed, creates no duplicate ticket, acknowledges every ticket at most twice',
    async () => {
      // Kill/restart cycles: each burst is cut short, and each restart redelivers what was not confirmed.
      let running = await startChild();
      for (const [cycle, kill] of KILLS.entries()) {
        const unconfirmed = BURST.filter((message) => !everConfirmed.has(message.id));
        const { confirmed, failed } = await burst(running, unconfirmed, { interrupt: kill, concurrency: CONCURRENCY });
        for (const id of confirmed) everConfirmed.add(id);
        log.push(`cycle ${cycle + 1}: ${confirmed.size} of ${unconfirmed.length} confirmed, ${failed} failed, then SIGKILL (after ${kill.responses} + ${kill.delayMs} ms)`);
        expect(confirmed.size).toBeGreaterThanOrEqual(kill.responses);
        expect(confirmed.size).toBeLessThan(unconfirmed.length);

        running = await startChild();
        // Everything confirmed before any kill is still there after the restart.
        const db = openDb();
        try {
          const stored = storedInboundIds(db);
          const lost = [...everConfirmed].filter((id) => !stored.has(id));
          expect(lost, 'confirmed messages lost in the crash').toEqual([]);
          log.push(`after restart ${cycle + 1}: ${stored.size} stored (${stored.size - everConfirmed.size} never confirmed)`);
        } finally {
          db.close();
        }
      }

      // The last restart: all 500 are posted again (the confirmed ones too, which must change nothing);
      // now every one is confirmed.
      const final = await burst(running, BURST, { concurrency: CONCURRENCY });
      log.push(`final: ${final.confirmed.size} confirmed, ${final.failed} failed`);
      expect(final.failed).toBe(0);
      expect(final.confirmed.size).toBe(TOTAL);
      const outboxStates = await waitDrained(running);
      expect(outboxStates.failed ?? 0).toBe(0);

      // What each resident sees in the simulator.
      const seen = new Map<string, string[]>();
      for (let u = 0; u < USERS; u += 1) {
        const user = `warga-${u}`;
        const response = await fetch(`${running.base}/simulator/messages?user=${user}`, { signal: AbortSignal.timeout(5000) });
        expect(response.status).toBe(200);
        const list = (await response.json()) as Array<{ text: string; at: string }>;
        seen.set(user, list.map((message) => message.text));
      }
      await stopGracefully(running);
      const requeued = running.output.join('').match(/interrupted by a restart/g)?.length ?? 0;
      log.push(`outbox: ${JSON.stringify(outboxStates)}${requeued ? ', rows requeued at the last restart' : ''}`);

      const db = openDb();
      try {
        // Every message is stored once, and nothing confirmed was lost.
        const stored = storedInboundIds(db);
        expect([...everConfirmed].filter((id) => !stored.has(id))).toEqual([]);
        expect(stored.size).toBe(TOTAL);
        const inbound = db
          .prepare(
            `select m.external_id, m.text, m.ticket_id, m.contact_id, c.external_id as user
             from messages m join contacts c on c.id = m.contact_id
             where m.channel = 'web' and m.direction = 'in'`,
          )
          .all() as Array<{ external_id: string; text: string; ticket_id: number | null; contact_id: number; user: string }>;
        expect(inbound).toHaveLength(TOTAL);

        const tickets = db.prepare('select id, code, contact_id, summary from tickets').all() as Array<{
          id: number;
          code: string;
          contact_id: number;
          summary: string;
        }>;
        // No duplicate tickets: every resident wrote within the threading window, so one ticket each...
        const perContact = new Map<number, number>();
        for (const ticket of tickets) perContact.set(ticket.contact_id, (perContact.get(ticket.contact_id) ?? 0) + 1);
        expect([...perContact.values()].filter((n) => n > 1), 'residents with more than one ticket').toEqual([]);
        expect(tickets).toHaveLength(USERS);
        // ...each opened by a distinct message, which is linked to that ticket...
        const byText = new Map(inbound.map((message) => [message.text, message]));
        const creators = new Set<string>();
        for (const ticket of tickets) {
          const creator = byText.get(ticket.summary);
          expect(creator, `message that opened ${ticket.code}`).toBeDefined();
          expect(creator?.ticket_id).toBe(ticket.id);
          expect(creator?.contact_id).toBe(ticket.contact_id);
          creators.add(creator?.external_id ?? '');
        }
        expect(creators.size).toBe(tickets.length);
        // ...and every message belongs to its sender's one ticket.
        const ticketOf = new Map(tickets.map((ticket) => [ticket.contact_id, ticket.id]));
        expect(inbound.filter((message) => message.ticket_id !== ticketOf.get(message.contact_id))).toEqual([]);

        // Each ticket has exactly one acknowledgement row, and it was sent.
        const acks = db
          .prepare("select ticket_id, state, text, chat_id from outbox where purpose = 'ack'")
          .all() as Array<{ ticket_id: number; state: string; text: string; chat_id: string }>;
        expect(acks).toHaveLength(tickets.length);
        for (const ticket of tickets) {
          const rows = acks.filter((ack) => ack.ticket_id === ticket.id);
          expect(rows, `ack rows of ${ticket.code}`).toHaveLength(1);
          expect(rows[0]?.state).toBe('sent');
          expect(rows[0]?.text).toContain(ticket.code);
        }

        // Residents see each acknowledgement once, at most twice if it was in flight at a kill.
        const codeOwner = new Map(tickets.map((ticket) => [ticket.id, ticket]));
        let repeatedAcks = 0;
        for (const ack of acks) {
          const ticket = codeOwner.get(ack.ticket_id);
          const texts = seen.get(ack.chat_id) ?? [];
          const shown = texts.filter((text) => text === ack.text).length;
          expect(shown, `acknowledgements of ${ticket?.code} seen by ${ack.chat_id}`).toBeGreaterThanOrEqual(1);
          expect(shown, `acknowledgements of ${ticket?.code} seen by ${ack.chat_id}`).toBeLessThanOrEqual(2);
          repeatedAcks += shown - 1;
          const mentions = texts.filter((text) => text.startsWith('Terima kasih, laporan Anda') && text.includes(`${ticket?.code}.`));
          expect(mentions.length).toBeLessThanOrEqual(2);
        }
        // One row at most is in flight per kill, so at most one acknowledgement per kill is repeated.
        expect(repeatedAcks, 'acknowledgements shown twice').toBeLessThanOrEqual(KILLS.length);
        log.push(`${repeatedAcks} acknowledgements repeated`);

        // No reply at all went out more than once beyond one per row in flight at each kill.
        const sentRows = (db.prepare("select count(*) as n from outbox where state = 'sent'").get() as { n: number }).n;
        const outbound = (db.prepare("select count(*) as n from messages where direction = 'out'").get() as { n: number }).n;
        expect(outbound).toBeGreaterThanOrEqual(sentRows);
        expect(outbound).toBeLessThanOrEqual(sentRows + KILLS.length);
        const states = db.prepare('select state, count(*) as n from outbox group by state').all() as Array<{ state: string; n: number }>;
        expect(states.filter((row) => row.state !== 'sent')).toEqual([]);
      } finally {
        db.close();
        // Shown with the test's output; useful when a run is slow or fails.
        console.info(`crash test (TEST_SEED=${SEED}): ${log.join('; ')}`);
      }
    },
    // About 45 s of CPU in all, a third of it loading the service five times; slower on a busy machine.
    240_000,
  );
});
