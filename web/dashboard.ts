// The officers' dashboard: login (password or one-time link), ticket list with filters and CSV
// export, one ticket with its conversation and the chat commands' actions, and the BPD's view of
// proposals for the next Musdes. Every action runs the same command code as the chat
// (core/commands/officer.ts), as the logged-in officer, so the same rules apply.
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Officer } from '../config/profile.ts';
import { checkOfficerPassword } from '../core/auth/password.ts';
import { LOGIN_LINK_PATH, redeemLoginLink, sendLoginLink } from '../core/auth/login-link.ts';
import { endSession, startSession, type ActiveSession } from '../core/auth/session.ts';
import { canSeeTicket, isBpd, residentConversation, runOfficerCommandFrom, type CommandOrigin } from '../core/commands/officer.ts';
import type { CoreContext } from '../core/context.ts';
import { ticketPrivacyLines } from '../core/privacy/rights.ts';
import { CATEGORIES, STATUSES, type Kind } from '../core/domain.ts';
import { KIND_LABELS } from '../core/messages.ts';
import { getContact, getTicket, listOpenProposals, listTicketEvents, searchTickets, type TicketSearch } from '../storage/repositories/index.ts';
import { toCsv } from './csv.ts';
import { linkConfirmPage, listPage, loginPage, messagePage, proposalsPage, ticketPage, type ListFilter } from './dashboard-views.ts';
import { categoryLabel, formatDateTime, statusLabel } from './format.ts';
import type { Html } from './html.ts';
import { registerStylesheet, renderPage, sendPage } from './layout.ts';
import {
  clearSessionCookie,
  currentSession,
  preLoginToken,
  preLoginTokenValid,
  setNotice,
  setSessionCookie,
  takeNotice,
  tokensMatch,
  type CookiePolicy,
} from './session.ts';

export interface DashboardDeps {
  ctx: CoreContext;
  /** Tells the outbox that an action queued messages. */
  wake(): void;
  /** Login attempts (and link requests) allowed per minute, per IP address and per officer id. */
  loginAttemptsPerMinute?: number;
}

const PAGE_SIZE = 25;
const CSV_LIMIT = 20_000;
/** Roles that may open the WhatsApp linking page (it can take over the village's number). */
const QR_ROLES = new Set(['kades', 'sekdes']);

const filterSchema = z.object({
  status: z.union([z.literal(''), z.literal('open'), z.enum(STATUSES)], { error: 'status tidak dikenal' }).default(''),
  kategori: z.union([z.literal(''), z.enum(CATEGORIES)], { error: 'kategori tidak dikenal' }).default(''),
  dusun: z.string().max(64).default(''),
  petugas: z.string().max(64).default(''),
  lewat: z.enum(['', '1', 'on']).default(''),
  q: z.string().max(200, 'teks pencarian terlalu panjang').default(''),
  hal: z.coerce.number().int().min(1).max(100_000).default(1),
});

const loginSchema = z.object({
  csrf: z.string().max(100).default(''),
  petugas: z.string().trim().min(1).max(128),
  sandi: z.string().min(1).max(1000),
  lanjut: z.string().max(500).default(''),
});
const linkRequestSchema = z.object({ csrf: z.string().max(100).default(''), petugas: z.string().trim().min(1).max(128) });
const linkUseSchema = z.object({ csrf: z.string().max(100).default(''), token: z.string().max(200).default('') });

const text = (message: string) => z.string().trim().min(1, message).max(4000, 'Teks terlalu panjang (maksimal 4000 karakter).');
const actionSchema = z.discriminatedUnion(
  'aksi',
  [
    z.object({ aksi: z.literal('ambil') }),
    z.object({ aksi: z.literal('balas'), teks: text('Tulis jawaban untuk pelapor.') }),
    z.object({ aksi: z.literal('catatan'), teks: text('Tulis catatannya.') }),
    z.object({ aksi: z.literal('tolak'), teks: text('Tulis alasan penolakan; alasan dikirim ke pelapor.') }),
    z.object({ aksi: z.literal('selesai'), teks: z.string().trim().max(4000).default('') }),
    z.object({ aksi: z.literal('alihkan'), petugas: z.string().trim().min(1, 'Pilih petugas.').max(64) }),
    z.object({ aksi: z.literal('kategori'), kategori: z.enum(CATEGORIES, { error: 'Pilih kategori dari daftar.' }) }),
    z.object({ aksi: z.literal('gabung'), tujuan: z.string().trim().min(1, 'Tulis kode tiket tujuan.').max(32) }),
    z.object({
      aksi: z.literal('rujuk'),
      tujuan: z
        .string()
        .trim()
        .min(1, 'Tulis tujuan rujukan.')
        .max(64)
        .regex(/^\S+$/, 'Tujuan rujukan satu kata saja (mis. kecamatan); keterangan ditulis di kolom keterangan.'),
      teks: z.string().trim().max(4000).default(''),
    }),
  ],
  { error: 'Tindakan tidak dikenal.' },
);

type Action = z.infer<typeof actionSchema>;

/** The chat command an action stands for: "/balas 42 teks", "/gabung 42 17", ... */
function commandFor(ticketId: number, action: Action): { name: string; raw: string; rest: string } {
  const args = (() => {
    switch (action.aksi) {
      case 'ambil':
        return '';
      case 'balas':
      case 'catatan':
      case 'tolak':
      case 'selesai':
        return action.teks;
      case 'alihkan':
        return action.petugas;
      case 'kategori':
        return action.kategori;
      case 'gabung':
        return action.tujuan;
      case 'rujuk':
        return `${action.tujuan} ${action.teks}`;
    }
  })();
  return { name: action.aksi, raw: `/${action.aksi}`, rest: `${ticketId} ${args}`.trim() };
}

function viewerOf(officer: Officer): TicketSearch['viewer'] {
  return { officerId: officer.id, bpd: isBpd(officer) };
}

/** Only paths on this site, so a crafted login link cannot send the officer elsewhere. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[\w\-./?=&%+~]*$/.test(next) ? next : '/dasbor';
}

function searchFrom(filter: ListFilter, officer: Officer, now: number): TicketSearch {
  return {
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.kategori ? { category: filter.kategori } : {}),
    ...(filter.dusun ? { dusun: filter.dusun } : {}),
    ...(filter.petugas ? { assignee: filter.petugas } : {}),
    ...(filter.lewat ? { overdueAt: now } : {}),
    ...(filter.q ? { text: filter.q } : {}),
    viewer: viewerOf(officer),
  };
}

export async function registerDashboard(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const { ctx } = deps;
  const policy: CookiePolicy = {
    get secure() {
      return ctx.publicUrl.startsWith('https://');
    },
  };
  const attempts = deps.loginAttemptsPerMinute ?? 5;
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  const limitByIp = app.createRateLimit({ max: attempts, timeWindow: 60_000 });
  const limitByOfficer = app.createRateLimit({
    max: attempts,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const body = request.body as { petugas?: unknown } | undefined;
      return `officer:${typeof body?.petugas === 'string' ? body.petugas.trim().toLowerCase().slice(0, 128) : ''}`;
    },
  });
  registerStylesheet(app);

  const page = (reply: FastifyReply, title: string, body: Html, options: { session?: ActiveSession; status?: number } = {}) =>
    sendPage(
      reply.header('cache-control', 'no-store'),
      renderPage({
        title,
        villageName: ctx.profile.village.name,
        body,
        noindex: true,
        ...(options.session ? { officer: { name: options.session.officer.name, csrfToken: options.session.csrfToken } } : {}),
      }),
      options.status,
    );

  /** Answers 429 when the caller (or the officer id) tried too often; true when the request may go on. */
  const withinLimits = async (request: FastifyRequest, reply: FastifyReply, perOfficer: boolean): Promise<boolean> => {
    for (const limit of perOfficer ? [limitByIp, limitByOfficer] : [limitByIp]) {
      const result = await limit(request);
      // isAllowed means "not counted" (allow list); a counted request is refused only once it exceeds the limit.
      if (!result.isAllowed && result.isExceeded) {
        const seconds = Math.max(1, result.ttlInSeconds);
        await page(
          reply.header('retry-after', String(seconds)),
          'Terlalu banyak percobaan',
          messagePage('Terlalu banyak percobaan', `Tunggu ${seconds} detik, lalu coba lagi.`, { href: '/masuk', label: 'Kembali ke halaman masuk' }),
          { status: 429 },
        );
        return false;
      }
    }
    return true;
  };

  const expiredForm = (reply: FastifyReply, session?: ActiveSession) =>
    page(reply, 'Formulir kedaluwarsa', messagePage('Formulir kedaluwarsa', 'Formulir ini tidak berlaku lagi. Muat ulang halaman lalu coba lagi.', { href: session ? '/dasbor' : '/masuk', label: 'Kembali' }), {
      status: 403,
      ...(session ? { session } : {}),
    });

  /** The logged-in officer, or a redirect to the login page (GET) / 401 (other methods). */
  const requireSession = async (request: FastifyRequest, reply: FastifyReply): Promise<ActiveSession | undefined> => {
    const session = currentSession(ctx, request);
    if (session) return session;
    if (request.method === 'GET') await reply.redirect(`/masuk?lanjut=${encodeURIComponent(request.url)}`, 303);
    else await page(reply, 'Belum masuk', messagePage('Belum masuk', 'Sesi Anda sudah berakhir. Silakan masuk lagi.', { href: '/masuk', label: 'Masuk' }), { status: 401 });
    return undefined;
  };

  // The WhatsApp linking page can take over the village's number: only the kades or sekdes, logged in.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path !== '/whatsapp/qr' && path !== '/whatsapp/qr.svg') return;
    if (!app.hasRoute({ method: 'GET', url: path })) return;
    const session = await requireSession(request, reply);
    if (session && !QR_ROLES.has(session.officer.role)) {
      await page(reply, 'Tidak diizinkan', messagePage('Tidak diizinkan', 'Halaman penautan WhatsApp hanya untuk Kepala Desa dan Sekretaris Desa.'), { status: 403, session });
    }
  });

  await app.register(async (scope) => {
    // Form posts (application/x-www-form-urlencoded) only here: the simulator keeps taking JSON only.
    await scope.register(fastifyFormbody, { bodyLimit: 64 * 1024 });

    const takeNoticeFor = (request: FastifyRequest, reply: FastifyReply) => {
      const notice = takeNotice(request, reply, policy);
      return notice ? { notice } : {};
    };

    scope.get('/masuk', async (request, reply) => {
      const query = request.query as { lanjut?: string };
      if (currentSession(ctx, request)) return reply.redirect(safeNext(query.lanjut), 303);
      return page(reply, 'Masuk', loginPage({ csrf: preLoginToken(request, reply, policy), next: safeNext(query.lanjut), ...takeNoticeFor(request, reply) }));
    });

    scope.post('/masuk', async (request, reply) => {
      if (!(await withinLimits(request, reply, true))) return reply;
      const parsed = loginSchema.safeParse(request.body ?? {});
      const csrf = preLoginToken(request, reply, policy);
      if (!parsed.success) {
        return page(reply, 'Masuk', loginPage({ csrf, next: '/dasbor', error: 'Isi ID petugas dan kata sandi.' }), { status: 400 });
      }
      if (!preLoginTokenValid(request, parsed.data.csrf)) return expiredForm(reply);
      const officerId = await checkOfficerPassword(ctx, parsed.data.petugas, parsed.data.sandi);
      if (!officerId) {
        ctx.logger.warn({ officer: parsed.data.petugas.slice(0, 64) }, 'dashboard login refused: wrong officer id or password');
        return page(reply, 'Masuk', loginPage({ csrf, next: safeNext(parsed.data.lanjut), error: 'ID petugas atau kata sandi salah.' }), { status: 401 });
      }
      ctx.logger.info({ officer: officerId, method: 'password' }, 'dashboard login');
      setSessionCookie(reply, startSession(ctx, officerId), policy);
      return reply.redirect(safeNext(parsed.data.lanjut), 303);
    });

    scope.post('/masuk/tautan', async (request, reply) => {
      if (!(await withinLimits(request, reply, true))) return reply;
      const parsed = linkRequestSchema.safeParse(request.body ?? {});
      const csrf = preLoginToken(request, reply, policy);
      if (!parsed.success) return page(reply, 'Masuk', loginPage({ csrf, next: '/dasbor', error: 'Tulis ID petugas atau ID chat Anda.' }), { status: 400 });
      if (!preLoginTokenValid(request, parsed.data.csrf)) return expiredForm(reply);
      if (sendLoginLink(ctx, parsed.data.petugas)) deps.wake();
      // The same answer whether or not the id is an officer's: the page tells nobody who is registered.
      return page(
        reply,
        'Masuk',
        loginPage({ csrf, next: '/dasbor', notice: 'Jika ID itu terdaftar sebagai petugas, tautan masuk sudah dikirim ke chat pribadinya. Tautan berlaku 15 menit dan hanya bisa dipakai sekali.' }),
      );
    });

    // Opening the link only shows a button: link previews (Telegram, WhatsApp fetch links) must not spend it.
    scope.get(`${LOGIN_LINK_PATH}:token`, async (request, reply) => {
      const { token } = request.params as { token: string };
      return page(reply.header('referrer-policy', 'no-referrer'), 'Masuk', linkConfirmPage({ csrf: preLoginToken(request, reply, policy), token }));
    });

    scope.post('/masuk/tautan/pakai', async (request, reply) => {
      if (!(await withinLimits(request, reply, false))) return reply;
      const parsed = linkUseSchema.safeParse(request.body ?? {});
      if (!parsed.success || !preLoginTokenValid(request, parsed.data.csrf)) return expiredForm(reply);
      const officerId = redeemLoginLink(ctx, parsed.data.token);
      if (!officerId || !ctx.officers.byId(officerId)) {
        return page(
          reply,
          'Tautan tidak berlaku',
          messagePage('Tautan tidak berlaku', 'Tautan ini sudah dipakai atau sudah lewat 15 menit. Minta tautan baru.', { href: '/masuk', label: 'Minta tautan baru' }),
          { status: 400 },
        );
      }
      ctx.logger.info({ officer: officerId, method: 'link' }, 'dashboard login');
      setSessionCookie(reply, startSession(ctx, officerId), policy);
      return reply.redirect('/dasbor', 303);
    });

    scope.post('/keluar', async (request, reply) => {
      const session = currentSession(ctx, request);
      if (session) {
        if (!tokensMatch(session.csrfToken, (request.body as { csrf?: unknown } | undefined)?.csrf)) return expiredForm(reply, session);
        endSession(ctx, session);
      }
      clearSessionCookie(reply, policy);
      setNotice(reply, 'Anda sudah keluar.', policy);
      return reply.redirect('/masuk', 303);
    });

    const parseFilter = (request: FastifyRequest): ListFilter | string => {
      const parsed = filterSchema.safeParse(request.query ?? {});
      if (!parsed.success) return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      return { ...parsed.data, lewat: parsed.data.lewat !== '' };
    };

    const badFilter = (reply: FastifyReply, session: ActiveSession, problem: string) =>
      page(reply, 'Filter tidak valid', messagePage('Filter tidak valid', problem, { href: '/dasbor', label: 'Daftar tiket' }), { status: 400, session });

    scope.get('/dasbor', async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      const filter = parseFilter(request);
      if (typeof filter === 'string') return badFilter(reply, session, filter);
      const now = ctx.now();
      const { rows, total } = searchTickets(ctx.store.db, searchFrom(filter, session.officer, now), { limit: PAGE_SIZE, offset: (filter.hal - 1) * PAGE_SIZE });
      const notice = takeNotice(request, reply, policy);
      return page(
        reply,
        'Tiket',
        listPage({ profile: ctx.profile, officers: ctx.officers.all, filter, rows, total, pageSize: PAGE_SIZE, now, ...(notice ? { notice } : {}) }),
        { session },
      );
    });

    scope.get('/dasbor/ekspor.csv', async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      const filter = parseFilter(request);
      if (typeof filter === 'string') return badFilter(reply, session, filter);
      const now = ctx.now();
      const { rows } = searchTickets(ctx.store.db, searchFrom(filter, session.officer, now), { limit: CSV_LIMIT, offset: 0 });
      const when = (at: number | null) => formatDateTime(ctx.profile, at);
      // No resident contact ids or names: the CSV leaves the dashboard and travels by e-mail and USB stick.
      const csv = toCsv(
        ['Kode', 'Masuk', 'Jenis', 'Kategori', 'Status', 'Dusun', 'RW', 'RT', 'Petugas', 'Mendesak', 'Rahasia', 'Tenggat tanggapan', 'Tenggat selesai', 'Tanggapan pertama', 'Selesai', 'Nilai', 'Ringkasan'],
        rows.map((ticket) => [
          ticket.code,
          when(ticket.createdAt),
          KIND_LABELS[ticket.kind as Kind] ?? ticket.kind,
          categoryLabel(ticket.category),
          statusLabel(ticket.status),
          ctx.profile.dusun.find((dusun) => dusun.id === ticket.dusun)?.name ?? ticket.dusun ?? '',
          ticket.rw,
          ticket.rt,
          ticket.assignee ?? '',
          ticket.urgent ? 'ya' : 'tidak',
          ticket.confidential ? 'ya' : 'tidak',
          when(ticket.responseDueAt),
          when(ticket.resolutionDueAt),
          when(ticket.firstResponseAt),
          when(ticket.resolvedAt),
          ticket.rating,
          ticket.summary,
        ]),
      );
      const day = when(now).slice(0, 10);
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="tiket-${day}.csv"`)
        .type('text/csv; charset=utf-8')
        .send(csv);
    });

    const loadVisibleTicket = async (request: FastifyRequest, reply: FastifyReply, session: ActiveSession) => {
      const id = Number((request.params as { id: string }).id);
      const ticket = Number.isSafeInteger(id) && id > 0 ? getTicket(ctx.store.db, id) : undefined;
      if (!ticket) {
        await page(reply, 'Tiket tidak ditemukan', messagePage('Tiket tidak ditemukan', 'Tiket ini tidak ada.', { href: '/dasbor', label: 'Daftar tiket' }), { status: 404, session });
        return undefined;
      }
      if (!canSeeTicket(session.officer, ticket)) {
        await page(
          reply,
          'Tiket rahasia',
          messagePage('Tiket rahasia', `Tiket ${ticket.code} bersifat rahasia dan hanya dapat dibuka BPD dan petugas yang menanganinya.`, { href: '/dasbor', label: 'Daftar tiket' }),
          { status: 403, session },
        );
        return undefined;
      }
      return ticket;
    };

    scope.get('/dasbor/tiket/:id', async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      const ticket = await loadVisibleTicket(request, reply, session);
      if (!ticket) return reply;
      const contact = getContact(ctx.store.db, ticket.contactId);
      const notice = takeNotice(request, reply, policy);
      return page(
        reply,
        ticket.code,
        ticketPage({
          profile: ctx.profile,
          officers: ctx.officers.all,
          ticket,
          reporter: `${contact?.displayName ?? 'Tanpa nama'} (lewat ${ticket.channel})`,
          privacy: ticketPrivacyLines(ctx, ticket),
          conversation: residentConversation(ctx, ticket.id),
          events: listTicketEvents(ctx.store.db, ticket.id),
          csrf: session.csrfToken,
          now: ctx.now(),
          ...(notice ? { notice } : {}),
        }),
        { session },
      );
    });

    scope.post('/dasbor/tiket/:id/aksi', async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (!tokensMatch(session.csrfToken, body.csrf)) return expiredForm(reply, session);
      const ticket = await loadVisibleTicket(request, reply, session);
      if (!ticket) return reply;
      const parsed = actionSchema.safeParse(body);
      if (!parsed.success) {
        setNotice(reply, parsed.error.issues.map((issue) => issue.message).join(' '), policy);
        return reply.redirect(`/dasbor/tiket/${ticket.id}`, 303);
      }
      const answers: string[] = [];
      const origin: CommandOrigin = { isGroup: false, respond: (answer) => answers.push(answer) };
      ctx.store.transaction(() => runOfficerCommandFrom(ctx, session.officer, origin, commandFor(ticket.id, parsed.data)));
      deps.wake();
      setNotice(reply, answers.join('\n'), policy);
      return reply.redirect(`/dasbor/tiket/${ticket.id}`, 303);
    });

    scope.get('/dasbor/musdes', async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      const proposals = listOpenProposals(ctx.store.db, viewerOf(session.officer));
      return page(reply, 'Usulan Musdes', proposalsPage({ profile: ctx.profile, officers: ctx.officers.all, proposals, now: ctx.now() }), { session });
    });
  });
}
