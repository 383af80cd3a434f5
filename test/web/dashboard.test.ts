// The officers' dashboard over HTTP (fastify inject): logins, sessions, CSRF, rate limits, the same
// authorisation as the chat commands, actions reaching the resident, and the CSV export.
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setOfficerPassword } from '../../core/auth/password.ts';
import { getTicket, listTicketEvents } from '../../storage/repositories/index.ts';
import { loginLinks, webSessions } from '../../storage/schema.ts';
import { toCsv } from '../../web/csv.ts';
import { registerDashboard } from '../../web/dashboard.ts';
import { buildServer } from '../../web/server.ts';
import { createTestCore, silentLogger, type TestCore } from '../helpers.ts';

const LAMP = 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu';
const ABOUT_KADES = 'Pak kades tidak pernah ada di kantor, pelayanan lambat dan minta uang pelicin';
const PASSWORD = 'kata-sandi-yang-panjang';
const HOUR = 3_600_000;

let core: TestCore;
let app: FastifyInstance;

beforeEach(async () => {
  core = createTestCore({ start: Date.UTC(2026, 10, 2, 2, 0, 0) });
  app = Fastify();
  await registerDashboard(app, { ctx: core.ctx, wake: () => undefined, loginAttemptsPerMinute: 5 });
  // Stands in for the WhatsApp channel's linking page, which the dashboard guards.
  app.get('/whatsapp/qr', () => 'QR');
  await app.ready();
});

afterEach(async () => {
  await app.close();
  core.close();
});

/** A browser's cookies: what responses set is sent with the next requests. */
class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly ip = '10.0.0.1') {}

  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<LightMyRequestResponse> {
    const response = await app.inject({
      method,
      url,
      remoteAddress: this.ip,
      cookies: Object.fromEntries(this.cookies),
      ...(form ? { payload: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
    });
    for (const cookie of response.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const cleared = cookie.value === '' || cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now());
      if (cleared) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  get = (url: string) => this.request('GET', url);
  post = (url: string, form: Record<string, string>) => this.request('POST', url, form);

  /** The CSRF token in the page's forms. */
  async csrfFrom(url: string): Promise<string> {
    const page = await this.get(url);
    const token = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (!token) throw new Error(`no form on ${url}: ${page.statusCode} ${page.body.slice(0, 300)}`);
    return token;
  }

  async loginWithPassword(officer: string, password = PASSWORD): Promise<LightMyRequestResponse> {
    const csrf = await this.csrfFrom('/masuk');
    return this.post('/masuk', { csrf, petugas: officer, sandi: password });
  }
}

async function loggedIn(officer: string, ip?: string): Promise<Browser> {
  await setOfficerPassword(core.ctx, officer, PASSWORD);
  const browser = new Browser(ip);
  const response = await browser.loginWithPassword(officer);
  expect(response.statusCode).toBe(303);
  return browser;
}

function report(user: string, text: string, name?: string): number {
  const result = core.send(user, text, name ? { name } : {});
  return Number(result.ticketCode?.split('-')[1]);
}

describe('password login and sessions', () => {
  it('logs in with the password set by the CLI function, in an HttpOnly SameSite cookie, and out again', async () => {
    await setOfficerPassword(core.ctx, 'sekdes', PASSWORD);
    const browser = new Browser();
    expect((await browser.get('/dasbor')).headers.location).toBe('/masuk?lanjut=%2Fdasbor');
    const response = await browser.loginWithPassword('sekdes');
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/dasbor');
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/aspirasi_sesi=[\w-]+;.*HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/);
    const list = await browser.get('/dasbor');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('<h1>Tiket</h1>');
    // Only the token's hash is stored.
    const stored = core.ctx.store.db.select().from(webSessions).all();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.tokenHash).not.toBe(browser.cookies.get('aspirasi_sesi'));

    const csrf = await browser.csrfFrom('/dasbor');
    const out = await browser.post('/keluar', { csrf });
    expect(out.headers.location).toBe('/masuk');
    expect(core.ctx.store.db.select().from(webSessions).all()).toHaveLength(0);
    expect((await browser.get('/dasbor')).statusCode).toBe(303);
  });

  it('marks the session cookie Secure when PUBLIC_URL is https', async () => {
    core.ctx.publicUrl = 'https://aspirasi.desaku.id';
    await setOfficerPassword(core.ctx, 'sekdes', PASSWORD);
    const response = await new Browser().loginWithPassword('sekdes');
    expect(String(response.headers['set-cookie'])).toMatch(/aspirasi_sesi=[^;]+;.*Secure/);
  });

  it('refuses a wrong password, an unknown officer and a too-short password, with a clear answer', async () => {
    await setOfficerPassword(core.ctx, 'sekdes', PASSWORD);
    const wrong = await new Browser().loginWithPassword('sekdes', 'bukan-sandinya-sama-sekali');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('ID petugas atau kata sandi salah.');
    expect(String(wrong.headers['set-cookie'] ?? '')).not.toContain('aspirasi_sesi');
    expect((await new Browser('10.0.0.2').loginWithPassword('bukan_petugas')).statusCode).toBe(401);
    await expect(setOfficerPassword(core.ctx, 'sekdes', 'pendek')).rejects.toThrow('minimal 10 karakter');
    await expect(setOfficerPassword(core.ctx, 'tidak_ada', PASSWORD)).rejects.toThrow('tidak ada di profil desa');
  });

  it('ends a session after 12 hours without use, and after 7 days even when used', async () => {
    const idle = await loggedIn('sekdes');
    core.clock.advance(11 * HOUR);
    expect((await idle.get('/dasbor')).statusCode).toBe(200);
    core.clock.advance(11 * HOUR);
    expect((await idle.get('/dasbor')).statusCode).toBe(200);
    core.clock.advance(12 * HOUR);
    expect((await idle.get('/dasbor')).statusCode).toBe(303);

    const busy = await loggedIn('kades', '10.0.0.3');
    for (let hour = 0; hour < 7 * 24 - 6; hour += 6) {
      core.clock.advance(6 * HOUR);
      expect((await busy.get('/dasbor')).statusCode).toBe(200);
    }
    core.clock.advance(6 * HOUR);
    expect((await busy.get('/dasbor')).statusCode).toBe(303);
  });

  it('sends the officer back to the page they asked for, but never to another site', async () => {
    await setOfficerPassword(core.ctx, 'sekdes', PASSWORD);
    const browser = new Browser();
    const csrf = await browser.csrfFrom('/masuk?lanjut=%2Fdasbor%2Fmusdes');
    expect((await browser.post('/masuk', { csrf, petugas: 'sekdes', sandi: PASSWORD, lanjut: '/dasbor/musdes' })).headers.location).toBe('/dasbor/musdes');
    const other = new Browser('10.0.0.9');
    const csrf2 = await other.csrfFrom('/masuk');
    expect((await other.post('/masuk', { csrf: csrf2, petugas: 'sekdes', sandi: PASSWORD, lanjut: '//evil.example/x' })).headers.location).toBe('/dasbor');
  });
});

describe('one-time login links', () => {
  it('sends a link to the officer\'s own chat that logs in once, within 15 minutes', async () => {
    const browser = new Browser();
    const csrf = await browser.csrfFrom('/masuk');
    const asked = await browser.post('/masuk/tautan', { csrf, petugas: 'sekdes' });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('tautan masuk sudah dikirim');
    // The sekdes's first contact in the demo profile is the web simulator chat "sekdes".
    const message = core.queued('sekdes').at(-1) ?? '';
    const link = /http:\/\/localhost:3000(\/masuk\/tautan\/[\w-]+)/.exec(message)?.[1];
    expect(link).toBeDefined();
    const stored = core.ctx.store.db.select().from(loginLinks).all();
    expect(stored).toHaveLength(1);
    expect(message).not.toContain(stored[0]?.tokenHash);

    // Opening the link (as a chat app's link preview would) does not spend it.
    const phone = new Browser('10.0.0.5');
    const confirm = await phone.get(String(link));
    expect(confirm.statusCode).toBe(200);
    expect(confirm.headers['referrer-policy']).toBe('no-referrer');
    await phone.get(String(link));
    const token = /name="token" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const formCsrf = /name="csrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const used = await phone.post('/masuk/tautan/pakai', { csrf: formCsrf, token });
    expect(used.statusCode).toBe(303);
    expect((await phone.get('/dasbor')).statusCode).toBe(200);

    const again = new Browser('10.0.0.6');
    await again.get(String(link));
    const second = await again.post('/masuk/tautan/pakai', { csrf: again.cookies.get('aspirasi_pra') ?? '', token });
    expect(second.statusCode).toBe(400);
    expect(second.body).toContain('sudah dipakai atau sudah lewat 15 menit');
  });

  it('lets a link expire after 15 minutes, and accepts a chat id instead of the officer id', async () => {
    const browser = new Browser();
    const csrf = await browser.csrfFrom('/masuk');
    await browser.post('/masuk/tautan', { csrf, petugas: '1002' }); // the sekdes's Telegram id
    const token = /\/masuk\/tautan\/([\w-]+)/.exec(core.queued('sekdes').at(-1) ?? '')?.[1] ?? '';
    core.clock.advance(16 * 60_000);
    const used = await browser.post('/masuk/tautan/pakai', { csrf, token });
    expect(used.statusCode).toBe(400);
  });

  it('answers the same for an id that is no officer, and sends nothing', async () => {
    const browser = new Browser();
    const csrf = await browser.csrfFrom('/masuk');
    const before = core.ctx.store.sqlite.prepare('select count(*) as n from outbox').get() as { n: number };
    const response = await browser.post('/masuk/tautan', { csrf, petugas: 'warga_biasa' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Jika ID itu terdaftar');
    expect(core.ctx.store.sqlite.prepare('select count(*) as n from outbox').get()).toEqual(before);
  });

  it('answers /masuk in a private chat with a link, and in the officers\' group without one', () => {
    expect(core.send('kades', '/masuk').outcome).toBe('officer_command');
    expect(core.queued('kades').at(-1)).toMatch(/http:\/\/localhost:3000\/masuk\/tautan\/[\w-]{40,}/);
    core.send('kades', '/masuk', { chat: 'grup-petugas' });
    const inGroup = core.queued('grup-petugas').at(-1) ?? '';
    expect(inGroup).toContain('chat pribadi');
    expect(inGroup).not.toContain('/masuk/tautan/');
  });
});

describe('CSRF', () => {
  it('refuses an action without the session\'s token, or with another session\'s, and changes nothing', async () => {
    const id = report('warga1', LAMP);
    const browser = await loggedIn('kaur_umum');
    const other = await loggedIn('sekdes', '10.0.0.7');
    const otherToken = await other.csrfFrom('/dasbor');
    for (const csrf of [undefined, '', otherToken]) {
      const response = await browser.post(`/dasbor/tiket/${id}/aksi`, { ...(csrf === undefined ? {} : { csrf }), aksi: 'selesai', teks: 'beres' });
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain('Formulir kedaluwarsa');
    }
    expect(getTicket(core.ctx.store.db, id)?.status).toBe('assigned');
    const logout = await browser.post('/keluar', { csrf: otherToken });
    expect(logout.statusCode).toBe(403);
    expect((await browser.get('/dasbor')).statusCode).toBe(200);
  });

  it('refuses a login post without the login page\'s token', async () => {
    await setOfficerPassword(core.ctx, 'sekdes', PASSWORD);
    const response = await new Browser().post('/masuk', { petugas: 'sekdes', sandi: PASSWORD });
    expect(response.statusCode).toBe(403);
    expect(String(response.headers['set-cookie'] ?? '')).not.toContain('aspirasi_sesi');
  });
});

describe('rate limits', () => {
  it('allows 5 login attempts a minute per address, then answers 429 with Retry-After', async () => {
    await setOfficerPassword(core.ctx, 'sekdes', PASSWORD);
    const browser = new Browser('10.1.1.1');
    const csrf = await browser.csrfFrom('/masuk');
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      expect((await browser.post('/masuk', { csrf, petugas: `orang${attempt}`, sandi: 'salah-salah-salah' })).statusCode).toBe(401);
    }
    const limited = await browser.post('/masuk', { csrf, petugas: 'sekdes', sandi: PASSWORD });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toContain('Terlalu banyak percobaan');
    // Link requests from that address are limited too.
    expect((await browser.post('/masuk/tautan', { csrf, petugas: 'sekdes' })).statusCode).toBe(429);
  });

  it('allows 5 attempts a minute per officer id, whatever the address', async () => {
    await setOfficerPassword(core.ctx, 'sekdes', PASSWORD);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      expect((await new Browser(`10.2.0.${attempt}`).loginWithPassword('sekdes', 'salah-salah-salah')).statusCode).toBe(401);
    }
    expect((await new Browser('10.2.0.99').loginWithPassword('sekdes')).statusCode).toBe(429);
    expect((await new Browser('10.2.0.100').loginWithPassword('kades')).statusCode).toBe(401);
  });
});

describe('behind a reverse proxy (TRUST_PROXY)', () => {
  const attemptsFrom = async (server: FastifyInstance, client: string) => {
    const response = await server.inject({
      method: 'POST',
      url: '/masuk',
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': client },
      payload: new URLSearchParams({ petugas: `orang-${client}`, sandi: 'salah-salah-salah' }).toString(),
    });
    return response.statusCode;
  };

  it('limits login attempts per client address the proxy names, not per proxy', async () => {
    const behind = buildServer(silentLogger, () => ({}) as never, { trustProxy: 'loopback' });
    await registerDashboard(behind, { ctx: core.ctx, wake: () => undefined, loginAttemptsPerMinute: 5 });
    await behind.ready();
    try {
      // No CSRF token: refused with 403, but still counted by the rate limit, as a login attempt is.
      const first = await Promise.all([1, 2, 3, 4, 5, 6].map(() => attemptsFrom(behind, '203.0.113.7')));
      expect(first.at(-1)).toBe(429);
      expect(await attemptsFrom(behind, '198.51.100.20')).not.toBe(429);
    } finally {
      await behind.close();
    }
  });

  it('without it, every client behind the proxy shares the proxy\'s limit', async () => {
    const direct = buildServer(silentLogger, () => ({}) as never);
    await registerDashboard(direct, { ctx: core.ctx, wake: () => undefined, loginAttemptsPerMinute: 5 });
    await direct.ready();
    try {
      for (let attempt = 0; attempt < 5; attempt += 1) await attemptsFrom(direct, '203.0.113.7');
      expect(await attemptsFrom(direct, '198.51.100.20')).toBe(429);
    } finally {
      await direct.close();
    }
  });
});

describe('authorisation: the chat commands\' rules', () => {
  it('keeps a confidential ticket from staff who do not handle it, in the list, the page, actions and CSV', async () => {
    const secret = report('warga2', ABOUT_KADES);
    const open = report('warga1', LAMP);
    const ticket = getTicket(core.ctx.store.db, secret);
    expect(ticket?.confidential).toBe(true);
    expect(ticket?.assignee).toBe('bpd_ketua');

    const staff = await loggedIn('kaur_umum');
    const list = await staff.get('/dasbor');
    expect(list.body).toContain(`SKM-${open}`);
    expect(list.body).not.toContain(`SKM-${secret}`);
    const page = await staff.get(`/dasbor/tiket/${secret}`);
    expect(page.statusCode).toBe(403);
    expect(page.body).not.toContain('uang pelicin');
    const csrf = await staff.csrfFrom('/dasbor');
    const action = await staff.post(`/dasbor/tiket/${secret}/aksi`, { csrf, aksi: 'ambil' });
    expect(action.statusCode).toBe(403);
    expect(getTicket(core.ctx.store.db, secret)?.assignee).toBe('bpd_ketua');
    expect((await staff.get('/dasbor/ekspor.csv')).body).not.toContain(`SKM-${secret}`);

    const bpd = await loggedIn('bpd_wakil', '10.0.0.8');
    expect((await bpd.get('/dasbor')).body).toContain(`SKM-${secret}`);
    const bpdPage = await bpd.get(`/dasbor/tiket/${secret}`);
    expect(bpdPage.statusCode).toBe(200);
    expect(bpdPage.body).toContain('uang pelicin');
  });

  it('refuses to hand a confidential ticket to a non-BPD officer, as /alihkan does in chat', async () => {
    const secret = report('warga2', ABOUT_KADES);
    const bpd = await loggedIn('bpd_ketua');
    const csrf = await bpd.csrfFrom(`/dasbor/tiket/${secret}`);
    await bpd.post(`/dasbor/tiket/${secret}/aksi`, { csrf, aksi: 'alihkan', petugas: 'kaur_umum' });
    const page = await bpd.get(`/dasbor/tiket/${secret}`);
    expect(page.body).toContain('hanya dapat ditangani BPD');
    expect(getTicket(core.ctx.store.db, secret)?.assignee).toBe('bpd_ketua');
  });

  it('lets only the kades and sekdes open the WhatsApp linking page', async () => {
    expect((await new Browser().get('/whatsapp/qr')).headers.location).toBe('/masuk?lanjut=%2Fwhatsapp%2Fqr');
    expect((await (await loggedIn('kaur_umum')).get('/whatsapp/qr')).statusCode).toBe(403);
    const sekdes = await loggedIn('sekdes', '10.0.0.4');
    const page = await sekdes.get('/whatsapp/qr');
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe('QR');
  });
});

describe('ticket actions', () => {
  it('answers the resident through the outbox, as /balas does, and resolves the ticket', async () => {
    const id = report('warga1', LAMP);
    const browser = await loggedIn('kaur_umum');
    let csrf = await browser.csrfFrom(`/dasbor/tiket/${id}`);
    const replied = await browser.post(`/dasbor/tiket/${id}/aksi`, { csrf, aksi: 'balas', teks: 'Besok pagi petugas PLN datang.' });
    expect(replied.statusCode).toBe(303);
    expect(core.queued('warga1').at(-1)).toContain('Besok pagi petugas PLN datang.');
    const page = await browser.get(`/dasbor/tiket/${id}`);
    expect(page.body).toContain('Jawaban untuk SKM-1 dikirim ke pelapor.');
    expect(getTicket(core.ctx.store.db, id)?.status).toBe('in_progress');

    csrf = await browser.csrfFrom(`/dasbor/tiket/${id}`);
    await browser.post(`/dasbor/tiket/${id}/aksi`, { csrf, aksi: 'catatan', teks: 'Tiang nomor 12' });
    await browser.post(`/dasbor/tiket/${id}/aksi`, { csrf, aksi: 'selesai', teks: 'Lampu sudah diganti.' });
    expect(getTicket(core.ctx.store.db, id)?.status).toBe('resolved');
    expect(core.queued('warga1').at(-1)).toContain('Lampu sudah diganti.');
    // The note stays internal: the resident never gets it.
    expect(core.queued('warga1').join('\n')).not.toContain('Tiang nomor 12');
    const events = listTicketEvents(core.ctx.store.db, id);
    expect(events.filter((event) => event.type === 'note').map((event) => [event.actor, event.note])).toEqual([['kaur_umum', 'Tiang nomor 12']]);
    const after = await browser.get(`/dasbor/tiket/${id}`);
    expect(after.body).toContain('Tiang nomor 12');
    expect(after.body).toContain('Selesai ditangani');
  });

  it('says what is missing instead of running an incomplete action', async () => {
    const id = report('warga1', LAMP);
    const browser = await loggedIn('kaur_umum');
    const csrf = await browser.csrfFrom(`/dasbor/tiket/${id}`);
    const before = core.queued('warga1').length;
    await browser.post(`/dasbor/tiket/${id}/aksi`, { csrf, aksi: 'tolak', teks: '   ' });
    expect((await browser.get(`/dasbor/tiket/${id}`)).body).toContain('Tulis alasan penolakan');
    await browser.post(`/dasbor/tiket/${id}/aksi`, { csrf, aksi: 'rujuk', tujuan: 'kantor kecamatan' });
    expect((await browser.get(`/dasbor/tiket/${id}`)).body).toContain('Tujuan rujukan satu kata saja');
    await browser.post(`/dasbor/tiket/${id}/aksi`, { csrf, aksi: 'hapus' });
    expect((await browser.get(`/dasbor/tiket/${id}`)).body).toContain('Tindakan tidak dikenal.');
    expect(getTicket(core.ctx.store.db, id)?.status).toBe('assigned');
    expect(core.queued('warga1')).toHaveLength(before);
  });

  it('merges, recategorises and refers like the chat commands', async () => {
    const first = report('warga1', LAMP);
    const duplicate = report('warga3', 'Lampu PJU dekat masjid Krajan padam');
    const browser = await loggedIn('sekdes');
    const csrf = await browser.csrfFrom(`/dasbor/tiket/${duplicate}`);
    await browser.post(`/dasbor/tiket/${duplicate}/aksi`, { csrf, aksi: 'gabung', tujuan: `SKM-${first}` });
    expect(getTicket(core.ctx.store.db, duplicate)?.mergedInto).toBe(first);
    await browser.post(`/dasbor/tiket/${first}/aksi`, { csrf, aksi: 'kategori', kategori: 'infrastruktur' });
    expect(getTicket(core.ctx.store.db, first)?.category).toBe('infrastruktur');
    await browser.post(`/dasbor/tiket/${first}/aksi`, { csrf, aksi: 'rujuk', tujuan: 'PLN', teks: 'jaringan milik PLN' });
    expect(getTicket(core.ctx.store.db, first)?.status).toBe('referred');
    expect(core.queued('warga3').at(-1)).toContain('PLN');
  });

  it('shows what residents wrote as text, never as markup', async () => {
    const id = report('warga1', 'Jalan rusak <script>alert(1)</script> & "parah" di dusun krajan', '<b>Budi</b>');
    const page = await (await loggedIn('sekdes')).get(`/dasbor/tiket/${id}`);
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;parah&quot;');
    expect(page.body).toContain('&lt;b&gt;Budi&lt;/b&gt;');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
  });
});

describe('ticket list', () => {
  it('filters by status, category, dusun, assignee and overdue, searches, and pages', async () => {
    const lamp = report('warga1', LAMP);
    const water = report('warga2', 'Air PAMSIMAS mati di dusun sukasari');
    core.clock.advance(5 * 24 * HOUR);
    const fresh = report('warga3', 'Mohon perbaikan jembatan di Dusun Cikoneng yang retak');
    const browser = await loggedIn('sekdes');
    const codes = async (query: string) => [...(await browser.get(`/dasbor?${query}`)).body.matchAll(/class="code" href="\/dasbor\/tiket\/(\d+)"/g)].map((match) => Number(match[1]));

    expect(await codes('')).toEqual([fresh, water, lamp]);
    expect(await codes('kategori=air_bersih')).toEqual([water]);
    expect(await codes('dusun=krajan')).toEqual([lamp]);
    expect(await codes('petugas=kaur_umum')).toEqual([lamp]);
    expect(await codes('q=pamsimas')).toEqual([water]);
    expect(await codes(`q=SKM-${fresh}`)).toEqual([fresh]);
    expect(await codes('q=100%25')).toEqual([]);
    // Past the 3-day response deadline: the two older tickets, not the fresh one.
    expect((await codes('lewat=1')).sort()).toEqual([lamp, water].sort());
    expect((await browser.get('/dasbor?lewat=1')).body.match(/class="badge overdue"/g)).toHaveLength(2);
    expect(await codes('status=resolved')).toEqual([]);
    expect(await codes('status=open')).toHaveLength(3);

    const bad = await browser.get('/dasbor?status=hilang');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('status tidak dikenal');

    for (let n = 0; n < 26; n += 1) report(`warga-page-${n}`, `Sampah menumpuk di pasar nomor ${n}`);
    const first = await browser.get('/dasbor');
    expect(first.body).toContain('29 tiket · halaman 1 dari 2');
    expect(first.body).toContain('href="/dasbor?hal=2"');
    expect(await codes('hal=2')).toHaveLength(4);
  });

  it('lists open proposals by dusun for the Musdes', async () => {
    report('warga1', 'Usul dibangun pos ronda baru di Dusun Krajan RT 02');
    report('warga2', 'Usulan pelatihan pertanian organik untuk kelompok tani dusun sukasari');
    report('warga3', LAMP);
    const page = await (await loggedIn('bpd_ketua')).get('/dasbor/musdes');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Usulan warga untuk Musdes');
    expect(page.body).toMatch(/Dusun Krajan \(1\)[\s\S]*pos ronda/);
    expect(page.body).toMatch(/Dusun Sukasari \(1\)[\s\S]*pelatihan pertanian/);
    expect(page.body).not.toContain('Lampu jalan');
  });
});

describe('CSV export', () => {
  it('quotes every cell, starts with a BOM, guards formulas and leaves out residents\' contacts', async () => {
    report('6281234567890', '=HYPERLINK("http://x","klik"), jalan "rusak"\nparah di Dusun Krajan', 'Budi Santoso');
    report('warga-at', '@SUM(A1) sampah menumpuk');
    const csv = await (await loggedIn('sekdes')).get('/dasbor/ekspor.csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="tiket-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = csv.body.replace(/^\uFEFF/, '');
    const lines = text.split('\r\n');
    expect(lines[0]).toMatch(/^"Kode","Masuk",/);
    expect(text).toContain('"\'=HYPERLINK(""http://x"",""klik""), jalan ""rusak"" parah di Dusun Krajan"');
    expect(text).toContain('"\'@SUM(A1) sampah menumpuk"');
    expect(text).not.toContain('6281234567890');
    expect(text).not.toContain('Budi');
    expect(text).not.toContain('warga-at');
  });

  it('keeps line breaks and separators inside one quoted cell', () => {
    expect(toCsv(['a', 'b'], [['baris satu\nbaris dua', 'x,y'], ['-5', null]])).toBe('\uFEFF"a","b"\r\n"baris satu\nbaris dua","x,y"\r\n"\'-5",""\r\n');
  });

  it('exports the filtered list', async () => {
    report('warga1', LAMP);
    report('warga2', 'Air PAMSIMAS mati di dusun sukasari');
    const csv = (await (await loggedIn('sekdes')).get('/dasbor/ekspor.csv?kategori=air_bersih')).body;
    expect(csv).toContain('PAMSIMAS');
    expect(csv).not.toContain('Lampu');
  });
});
