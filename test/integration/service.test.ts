// The real service in-process: HTTP contract of DESIGN.md against a real SQLite file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEnv } from '../../config/env.ts';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { keyedHash } from '../../core/privacy/key.ts';
import { contacts, dataRequests, tickets } from '../../storage/schema.ts';
import { startService, type Service } from '../../scripts/service.ts';
import { daytimeProfilePath, tempDir, until } from '../helpers.ts';

const LAMP = 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu';

interface SentToUser {
  text: string;
  at: string;
}

let dataDir: { dir: string; cleanup: () => void };
let service: Service | undefined;
let base = '';

beforeEach(() => {
  dataDir = tempDir('aspirasi-service-');
});

afterEach(async () => {
  await service?.stop();
  service = undefined;
  dataDir.cleanup();
});

async function start(): Promise<Service> {
  service = await startService(parseEnv({ PORT: '0', DATA_DIR: dataDir.dir, LOG_LEVEL: 'silent', ASPIRASI_CONFIG: daytimeProfilePath() }, false));
  base = `http://127.0.0.1:${service.port}`;
  return service;
}

async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return postRaw(JSON.stringify(body));
}

async function postRaw(body: string, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${base}/simulator/messages`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  const text = await response.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`response ${response.status} is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, json };
}

async function sentTo(user: string): Promise<SentToUser[]> {
  const response = await fetch(`${base}/simulator/messages?user=${encodeURIComponent(user)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as SentToUser[];
}

interface Health {
  status: string;
  channels: Record<string, { state: string }>;
  outbox: Record<string, number>;
  classifier: { model: string; thread: string };
}

async function health(): Promise<Health> {
  const response = await fetch(`${base}/healthz`);
  expect(response.status).toBe(200);
  return (await response.json()) as Health;
}

/** Waits for the outbox to have nothing pending or in flight. */
async function drained(): Promise<void> {
  await until('the outbox to drain', async () => {
    const { outbox } = await health();
    return (outbox.pending ?? 0) + (outbox.sending ?? 0) === 0 ? true : undefined;
  });
}

/** Waits for the bot to have sent `user` at least `n` messages. */
function replies(user: string, n = 1): Promise<SentToUser[]> {
  return until(`${n} message(s) to ${user}`, async () => {
    const list = await sentTo(user);
    return list.length >= n ? list : undefined;
  });
}

function ticketCount(): number {
  if (!service) throw new Error('service not started');
  return service.ctx.store.db.select().from(tickets).all().length;
}

describe('health', () => {
  it('GET /healthz reports the overall status and the web channel', async () => {
    await start();
    const report = await health();
    expect(report.status).toBe('ok');
    expect(report.channels.web?.state).toBe('connected');
    expect(report.outbox).toEqual({});
  });

  it('GET /healthz names the classifier model and shows it runs on its worker thread', async () => {
    await start();
    // The worker reports the model it loaded shortly after start.
    await expect.poll(async () => (await health()).classifier, { timeout: 10_000 }).toEqual({ model: expect.stringMatching(/^trained:/) as unknown, thread: 'worker' });
  });
});

describe('a resident message through the simulator', () => {
  it('is acknowledged in Indonesian with the ticket code', async () => {
    await start();
    const { status, json } = await post({ user: 'warga1', text: LAMP });
    expect(status).toBe(201);
    expect(json).toMatchObject({ duplicate: false, outcome: 'new_ticket' });
    const code = json.ticket as string;
    expect(code).toMatch(/^SKM-\d+$/);

    const [ack, ...rest] = await replies('warga1');
    expect(rest).toHaveLength(0);
    expect(ack?.text).toContain(code);
    expect(ack?.text).toMatch(/Terima kasih, laporan Anda sudah kami terima/);
    expect(new Date(ack?.at ?? '').toISOString()).toBe(ack?.at);

    // The officer the ticket was routed to hears about it too.
    const notified = await replies('kaur_umum');
    expect(notified.some((message) => message.text.includes(code))).toBe(true);
  });

  it('offers quick actions: buttons on the notification, ratings after resolution', async () => {
    await start();
    const code = (await post({ user: 'warga1', text: LAMP })).json.ticket as string;
    const [notification] = await replies('kaur_umum');
    expect((notification as SentToUser & { actions?: unknown }).actions).toEqual([
      { label: 'Ambil', command: `/ambil ${code}` },
      { label: 'Alihkan', command: `/alihkan ${code}` },
      { label: 'Selesai', command: `/selesai ${code}` },
      { label: 'Tolak', command: `/tolak ${code}` },
    ]);
    // Pressing "Selesai" in the page sends its command.
    await post({ user: 'kaur_umum', text: `/selesai ${code}` });
    const toResident = await replies('warga1', 2);
    const resolved = toResident[1] as SentToUser & { actions?: Array<{ command: string }> };
    expect(resolved.actions?.map((action) => action.command)).toEqual(['1', '2', '3', '4', '5']);
    expect(toResident[0] as SentToUser & { actions?: unknown }).not.toHaveProperty('actions');
  });

  it('the same id posted twice makes one ticket and one acknowledgement', async () => {
    await start();
    const first = await post({ user: 'warga1', text: LAMP, id: 'wa-123' });
    const second = await post({ user: 'warga1', text: LAMP, id: 'wa-123' });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ id: 'wa-123', duplicate: false, outcome: 'new_ticket' });
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ id: 'wa-123', duplicate: true, outcome: 'duplicate' });
    expect(second.json.ticket).toBeUndefined();

    await replies('warga1');
    await drained();
    expect(await sentTo('warga1')).toHaveLength(1);
    expect(ticketCount()).toBe(1);
  });

  it('a second message within the threading window joins the ticket instead of opening another', async () => {
    await start();
    const first = await post({ user: 'warga1', text: LAMP });
    const second = await post({ user: 'warga1', text: 'Tambahan: tiangnya juga miring dekat RT 2' });
    expect(second.json).toMatchObject({ outcome: 'follow_up', ticket: first.json.ticket });
    expect(ticketCount()).toBe(1);
    // Right after the acknowledgement the addition is recorded quietly (one answer per burst).
    await replies('warga1');
    await drained();
    expect(await sentTo('warga1')).toHaveLength(1);
  });

  it.each([
    ['empty text', ''],
    ['whitespace only', '   \n\t '],
    ['emoji only', '🙏🙏👍'],
  ])('%s gets a request to write the matter in words, not a ticket', async (_label, text) => {
    await start();
    const { status, json } = await post({ user: 'warga2', text });
    expect(status).toBe(201);
    expect(json.outcome).toBe('needs_text');
    expect(json.ticket).toBeUndefined();
    const [reply] = await replies('warga2');
    expect(reply?.text).toMatch(/tulis/i);
    expect(reply?.text).not.toMatch(/SKM-\d+/);
    expect(ticketCount()).toBe(0);
  });

  it('a message without text at all is treated like an empty one', async () => {
    await start();
    const { status, json } = await post({ user: 'warga3' });
    expect(status).toBe(201);
    expect(json.outcome).toBe('needs_text');
    const [reply] = await replies('warga3');
    expect(reply?.text).toMatch(/kosong/i);
  });
});

describe('bad input', () => {
  it('malformed JSON gets 400 with an error', async () => {
    await start();
    const { status, json } = await postRaw('{"user": "warga1", "text": ');
    expect(status).toBe(400);
    expect(json.error).toMatch(/JSON/i);
  });

  it('a missing user gets 400 naming the field', async () => {
    await start();
    const { status, json } = await post({ text: LAMP });
    expect(status).toBe(400);
    expect(json.error).toBe('invalid message');
    expect(String(json.details)).toContain('user');
  });

  it('an empty user gets 400', async () => {
    await start();
    const { status, json } = await post({ user: '   ', text: LAMP });
    expect(status).toBe(400);
    expect(String(json.details)).toContain('user');
  });

  it('text that is not a string gets 400 naming the field', async () => {
    await start();
    for (const text of [42, null, ['a'], { a: 1 }]) {
      const { status, json } = await post({ user: 'warga1', text });
      expect(status).toBe(400);
      expect(String(json.details)).toContain('text');
    }
  });

  it('a body that is not an object gets 400', async () => {
    await start();
    for (const body of ['[]', '"hello"', '42', 'null']) {
      const { status, json } = await postRaw(body);
      expect(status, body).toBe(400);
      expect(json.error).toBeTruthy();
    }
  });

  it('a body over the size limit gets 413', async () => {
    await start();
    const { status, json } = await post({ user: 'warga1', text: 'a'.repeat(2 * 1024 * 1024) });
    expect(status).toBe(413);
    expect(json.error).toMatch(/too large/i);
  });

  it('a text over the length limit is refused, not cut', async () => {
    await start();
    const { status, json } = await post({ user: 'warga1', text: 'jalan rusak '.repeat(20_000) });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(String(json.details ?? json.error)).toMatch(/longer than/);
  });

  it('GET /simulator/messages without a user gets 400', async () => {
    await start();
    const response = await fetch(`${base}/simulator/messages`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/user/);
  });

  it('after all of that nothing was stored, and the service still works', async () => {
    await start();
    await postRaw('{not json');
    await post({ text: LAMP });
    await post({ user: 'warga1', text: 42 });
    await post({ user: 'warga1', text: 'x'.repeat(1_100_000) });
    await post({ user: 'warga1', text: LAMP, unexpected: true });
    expect(ticketCount()).toBe(0);
    expect(await sentTo('warga1')).toEqual([]);

    expect((await health()).status).toBe('ok');
    const { status, json } = await post({ user: 'warga1', text: LAMP });
    expect(status).toBe(201);
    const [ack] = await replies('warga1');
    expect(ack?.text).toContain(json.ticket as string);
  });
});

describe('the simulator page', () => {
  it('GET /simulator returns the HTML page, and / redirects to it', async () => {
    await start();
    const page = await fetch(`${base}/simulator`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<html[\s>]/i);

    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.status).toBeGreaterThanOrEqual(300);
    expect(root.status).toBeLessThan(400);
    expect(root.headers.get('location')).toBe('/simulator');
  });
});

describe('restart', () => {
  it('keeps tickets and what was sent, and continues the numbering', async () => {
    await start();
    const first = await post({ user: 'warga1', text: LAMP, id: 'before-restart' });
    const code = first.json.ticket as string;
    await replies('warga1');
    await drained();
    await service?.stop();
    service = undefined;

    await start();
    expect(ticketCount()).toBe(1);
    const before = await sentTo('warga1');
    expect(before).toHaveLength(1);
    expect(before[0]?.text).toContain(code);

    // A redelivery after the restart is still recognised.
    const again = await post({ user: 'warga1', text: LAMP, id: 'before-restart' });
    expect(again.json).toMatchObject({ duplicate: true });

    // The resident can still ask about the ticket.
    const status = await post({ user: 'warga1', text: 'status' });
    expect(status.json.outcome).toBe('resident_command');
    const [, statusReply] = await replies('warga1', 2);
    expect(statusReply?.text).toContain(code);

    // A new resident's ticket gets a new code.
    const other = await post({ user: 'warga9', text: 'Sampah menumpuk di pinggir jalan Dusun Sukasari' });
    expect(other.json.outcome).toBe('new_ticket');
    expect(other.json.ticket).not.toBe(code);
    expect(ticketCount()).toBe(2);
    await drained();
  });
});

describe('start-up checks name what is wrong', () => {
  it('an unwritable DATA_DIR is reported, in Indonesian and English, without hanging', async () => {
    await expect(startService(parseEnv({ PORT: '0', DATA_DIR: '/proc/aspirasi-test/data', LOG_LEVEL: 'silent' }, false))).rejects.toThrow(
      /DATA_DIR \/proc\/aspirasi-test\/data tidak dapat ditulisi \/ is not writable/,
    );
  });

  it('a port in use is reported', async () => {
    const running = await start();
    const other = tempDir();
    try {
      await expect(
        startService(parseEnv({ PORT: String(running.port), DATA_DIR: other.dir, LOG_LEVEL: 'silent' }, false)),
      ).rejects.toThrow(new RegExp(`Port ${running.port} sudah dipakai`));
    } finally {
      other.cleanup();
    }
  });
});

describe("a resident's data rights through the simulator", () => {
  it('/hapus, then YA HAPUS: the resident is told, their data is anonymised with the key kept in DATA_DIR', async () => {
    const running = await start();
    const user = '6281234567890@c.us';
    const code = (await post({ user, text: `Nama saya Gatot Prasetyo, hp 0857-1122-3344. ${LAMP}` })).json.ticket as string;
    await replies(user, 1);
    await post({ user, text: '/hapus' });
    const [, confirm] = await replies(user, 2);
    expect(confirm?.text).toContain('Balas YA HAPUS dalam 24 jam');
    expect(confirm?.text).toContain(code);

    expect((await post({ user, text: 'YA HAPUS' })).json.outcome).toBe('resident_command');
    await drained();
    // The earlier messages now belong to an anonymous chat; the last one reached the resident.
    const sent = await sentTo(user);
    expect(sent.map((message) => message.text)).toEqual([expect.stringContaining('Data pribadi Anda sudah dihapus')]);

    const db = running.ctx.store.db;
    const ticket = db.select().from(tickets).all()[0];
    expect(ticket).toMatchObject({ code, status: 'closed', closeReason: 'Pelapor meminta datanya dihapus' });
    expect(ticket?.summary).not.toMatch(/Gatot|Prasetyo|1122-3344/);
    const key = join(dataDir.dir, 'secret.key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const resident = db.select().from(contacts).all().find((contact) => contact.id === ticket?.contactId);
    expect(resident).toMatchObject({ externalId: keyedHash(running.ctx.privacyKey(), 'web', user), displayName: null });
    expect(db.select().from(dataRequests).all()).toEqual([expect.objectContaining({ contactId: resident?.id, kind: 'delete', state: 'done' })]);

    // The officer who handles it sees why it was closed.
    await post({ user: 'kaur_umum', text: `/lihat ${code}` });
    const view = await until('the ticket view', async () => (await sentTo('kaur_umum')).find((message) => message.text.startsWith(`${code} — `)));
    expect(view.text).toContain('Pelapor meminta datanya dihapus pada');
  });
});
