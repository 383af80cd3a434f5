// The dashboard's pages as HTML: login, ticket list, one ticket with its actions, Musdes proposals.
import type { Officer, VillageProfile } from '../config/profile.ts';
import { missedDeadlines } from '../core/deadlines/sla.ts';
import { CATEGORIES, STATUSES, type Kind } from '../core/domain.ts';
import { isOpen } from '../core/lifecycle.ts';
import { KIND_LABELS, ROLE_LABELS } from '../core/messages.ts';
import type { StoredMessage, Ticket, TicketEvent } from '../storage/repositories/index.ts';
import { categoryLabel, formatDateTime, statusLabel } from './format.ts';
import { html, type Html, type HtmlValue } from './html.ts';

export interface ListFilter {
  status: string;
  kategori: string;
  dusun: string;
  petugas: string;
  lewat: boolean;
  q: string;
  hal: number;
}

function notice(text: string | undefined, error = false): Html {
  return text ? html`<div class="notice${error ? ' error' : ''}" role="status">${text}</div>` : html``;
}

export function loginPage(input: { csrf: string; next: string; notice?: string; error?: string }): Html {
  return html`<h1>Masuk dasbor petugas</h1>
${notice(input.notice)}${notice(input.error, true)}
<div class="card">
<h2>Dengan tautan ke chat Anda</h2>
<p class="muted">Tulis ID petugas Anda (mis. <code>sekdes</code>) atau ID chat Anda. Tautan masuk dikirim ke chat pribadi Anda, berlaku 15 menit dan sekali pakai. Di chat, perintah <code>/masuk</code> juga mengirim tautan.</p>
<form method="post" action="/masuk/tautan">
<input type="hidden" name="csrf" value="${input.csrf}">
<label for="link-officer">ID petugas atau ID chat</label>
<input type="text" id="link-officer" name="petugas" autocomplete="username" required maxlength="128">
<p><button type="submit">Kirim tautan masuk</button></p>
</form>
</div>
<div class="card">
<h2>Dengan kata sandi</h2>
<p class="muted">Kata sandi dibuat oleh pengelola server dengan perintah <code>npm run officer:password -- ID</code>.</p>
<form method="post" action="/masuk">
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="lanjut" value="${input.next}">
<label for="officer">ID petugas</label>
<input type="text" id="officer" name="petugas" autocomplete="username" required maxlength="128">
<label for="password">Kata sandi</label>
<input type="password" id="password" name="sandi" autocomplete="current-password" required maxlength="200">
<p><button type="submit">Masuk</button></p>
</form>
</div>`;
}

export function linkConfirmPage(input: { csrf: string; token: string }): Html {
  return html`<h1>Masuk dasbor petugas</h1>
<div class="card">
<p>Tekan tombol di bawah untuk masuk. Tautan ini hanya bisa dipakai sekali.</p>
<form method="post" action="/masuk/tautan/pakai">
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="token" value="${input.token}">
<button type="submit">Masuk sekarang</button>
</form>
</div>`;
}

export function messagePage(title: string, text: string, link?: { href: string; label: string }): Html {
  return html`<h1>${title}</h1><div class="card"><p>${text}</p>${link ? html`<p><a href="${link.href}">${link.label}</a></p>` : ''}</div>`;
}

function option(value: string, label: string, selected: string): Html {
  return html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;
}

function officerLabel(profile: VillageProfile, officers: readonly Officer[], id: string | null): string {
  if (!id) return '-';
  const officer = officers.find((candidate) => candidate.id === id);
  if (!officer) return id;
  const dusun = officer.dusun ? profile.dusun.find((d) => d.id === officer.dusun)?.name : undefined;
  return `${officer.name} (${ROLE_LABELS[officer.role]}${dusun ? ` ${dusun}` : ''})`;
}

function dusunName(profile: VillageProfile, id: string | null): string {
  if (!id) return '';
  return profile.dusun.find((d) => d.id === id)?.name ?? id;
}

/** Open and past a deadline (the list's "lewat tenggat" filter says the same in SQL). */
export function isTicketOverdue(ticket: Ticket, now: number): boolean {
  return isOpen(ticket) && missedDeadlines(ticket, now).length > 0;
}

function badges(ticket: Ticket, now: number): Html {
  return html`${ticket.urgent ? html`<span class="badge urgent">Mendesak</span>` : ''}${ticket.confidential ? html`<span class="badge confidential">Rahasia</span>` : ''}${isTicketOverdue(ticket, now) ? html`<span class="badge overdue">Lewat tenggat</span>` : ''}${ticket.needsTriage ? html`<span class="badge">Perlu dipilah</span>` : ''}`;
}

export function filterQuery(filter: ListFilter, page = filter.hal): string {
  const params = new URLSearchParams();
  if (filter.status) params.set('status', filter.status);
  if (filter.kategori) params.set('kategori', filter.kategori);
  if (filter.dusun) params.set('dusun', filter.dusun);
  if (filter.petugas) params.set('petugas', filter.petugas);
  if (filter.lewat) params.set('lewat', '1');
  if (filter.q) params.set('q', filter.q);
  if (page > 1) params.set('hal', String(page));
  return params.toString();
}

export function listPage(input: {
  profile: VillageProfile;
  officers: readonly Officer[];
  filter: ListFilter;
  rows: Ticket[];
  total: number;
  pageSize: number;
  now: number;
  notice?: string;
}): Html {
  const { profile, officers, filter, rows, total, pageSize, now } = input;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const exportQuery = filterQuery({ ...filter, hal: 1 });
  const items: HtmlValue[] = rows.map(
    (ticket) => html`<li>
<a class="code" href="/dasbor/tiket/${ticket.id}">${ticket.code}</a> <span class="badge">${statusLabel(ticket.status)}</span>${badges(ticket, now)}
<div>${ticket.summary}</div>
<small>${categoryLabel(ticket.category)} · ${KIND_LABELS[ticket.kind as Kind] ?? ticket.kind}${ticket.dusun ? ` · Dusun ${dusunName(profile, ticket.dusun)}` : ''} · ${officerLabel(profile, officers, ticket.assignee)} · ${formatDateTime(profile, ticket.createdAt)}</small>
</li>`,
  );
  return html`<h1>Tiket</h1>
${notice(input.notice)}
<form class="card filters" method="get" action="/dasbor">
<div class="wide"><label for="q">Cari (ringkasan atau kode)</label><input type="search" id="q" name="q" value="${filter.q}" maxlength="200"></div>
<div><label for="status">Status</label><select id="status" name="status">${option('', 'Semua', filter.status)}${option('open', 'Terbuka (belum selesai)', filter.status)}${STATUSES.map((status) => option(status, statusLabel(status), filter.status))}</select></div>
<div><label for="kategori">Kategori</label><select id="kategori" name="kategori">${option('', 'Semua', filter.kategori)}${CATEGORIES.map((category) => option(category, categoryLabel(category), filter.kategori))}</select></div>
<div><label for="dusun">Dusun</label><select id="dusun" name="dusun">${option('', 'Semua', filter.dusun)}${profile.dusun.map((dusun) => option(dusun.id, dusun.name, filter.dusun))}${option('-', 'Tanpa dusun', filter.dusun)}</select></div>
<div><label for="petugas">Petugas</label><select id="petugas" name="petugas">${option('', 'Semua', filter.petugas)}${option('-', 'Belum ada petugas', filter.petugas)}${officers.map((officer) => option(officer.id, officerLabel(profile, officers, officer.id), filter.petugas))}</select></div>
<div><label><input type="checkbox" name="lewat" value="1"${filter.lewat ? html` checked` : ''}> Hanya yang lewat tenggat</label></div>
<div class="actions"><button type="submit">Terapkan</button><a class="button secondary" href="/dasbor">Hapus filter</a><a class="button secondary" href="/dasbor/ekspor.csv${exportQuery ? `?${exportQuery}` : ''}" download>Unduh CSV</a></div>
</form>
<p class="muted">${total} tiket${pages > 1 ? ` · halaman ${filter.hal} dari ${pages}` : ''}</p>
${rows.length === 0 ? html`<div class="card">Tidak ada tiket yang cocok.</div>` : html`<ul class="tickets">${items}</ul>`}
<nav class="pager">${filter.hal > 1 ? html`<a href="/dasbor?${filterQuery(filter, filter.hal - 1)}">« Sebelumnya</a>` : html`<span></span>`}${filter.hal < pages ? html`<a href="/dasbor?${filterQuery(filter, filter.hal + 1)}">Berikutnya »</a>` : ''}</nav>`;
}

function attachmentList(message: StoredMessage): Html {
  if (!message.attachments?.length) return html``;
  return html`<br><small>Lampiran: ${message.attachments
    .map((attachment) => `${attachment.kind}${attachment.caption ? ` (${attachment.caption})` : ''}${attachment.latitude !== undefined ? ` ${attachment.latitude}, ${attachment.longitude}` : ''}`)
    .join('; ')}</small>`;
}

/** A text field of an event's data ("" when missing or not text). */
function dataText(event: TicketEvent, key: string): string {
  const value = event.data?.[key];
  return typeof value === 'string' ? value : '';
}

function eventLine(profile: VillageProfile, officers: readonly Officer[], event: TicketEvent): Html {
  const who = officers.find((officer) => officer.id === event.actor)?.name ?? event.actor;
  let what: string;
  if (event.type === 'status') {
    what = event.fromStatus && event.fromStatus !== event.toStatus ? `${statusLabel(event.fromStatus)} → ${statusLabel(event.toStatus ?? '')}` : statusLabel(event.toStatus ?? '');
    const action = event.data?.action;
    if (action === 'reply') what = `Menjawab pelapor (${what})`;
    if ((action === 'reassign' || action === 'claim' || action === 'recategorise') && dataText(event, 'to')) what += `, petugas: ${officerLabel(profile, officers, dataText(event, 'to'))}`;
  } else if (event.type === 'note') what = 'Catatan internal';
  else if (event.type === 'recategorised') what = `Kategori: ${categoryLabel(dataText(event, 'from'))} → ${categoryLabel(dataText(event, 'to'))}`;
  else if (event.type === 'merged_from') what = `Digabung dari ${dataText(event, 'from')}`;
  else if (event.type === 'resident_message') what = 'Pesan tambahan dari pelapor';
  else what = event.type;
  return html`<li><small>${formatDateTime(profile, event.at)}</small> ${who}: ${what}${event.note && event.type !== 'note' ? html`<br><small>${event.note}</small>` : ''}</li>`;
}

export interface TicketPageInput {
  profile: VillageProfile;
  officers: readonly Officer[];
  ticket: Ticket;
  reporter: string;
  /** Data-rights notes ("the reporter asked for deletion on ..."), as /lihat shows them. */
  privacy: string[];
  conversation: StoredMessage[];
  events: TicketEvent[];
  csrf: string;
  now: number;
  notice?: string;
  error?: string;
}

function actionForm(ticket: Ticket, csrf: string, action: string, title: string, fields: HtmlValue, button: string): Html {
  return html`<form method="post" action="/dasbor/tiket/${ticket.id}/aksi">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="aksi" value="${action}">
<h3>${title}</h3>${fields}<p><button type="submit">${button}</button></p></form>`;
}

function textField(name: string, label: string, id: string, required = true): Html {
  return html`<label for="${id}">${label}</label><textarea id="${id}" name="${name}" maxlength="4000"${required ? html` required` : ''}></textarea>`;
}

export function ticketPage(input: TicketPageInput): Html {
  const { profile, officers, ticket, csrf, now } = input;
  const notes = input.events.filter((event) => event.type === 'note');
  const place = [ticket.dusun ? `Dusun ${dusunName(profile, ticket.dusun)}` : '', ticket.rw ? `RW ${ticket.rw}` : '', ticket.rt ? `RT ${ticket.rt}` : '']
    .filter(Boolean)
    .join(', ');
  const facts: Array<[string, HtmlValue]> = [
    ['Status', statusLabel(ticket.status)],
    ['Jenis', KIND_LABELS[ticket.kind as Kind] ?? ticket.kind],
    ['Kategori', `${categoryLabel(ticket.category)} (${Math.round(ticket.confidence * 100)}%)`],
    ['Petugas', officerLabel(profile, officers, ticket.assignee)],
    ['Pelapor', input.reporter],
    ['Lokasi', place || '-'],
    ['Masuk', formatDateTime(profile, ticket.createdAt)],
    ['Tenggat tanggapan', formatDateTime(profile, ticket.responseDueAt) || '-'],
    ['Tenggat selesai', formatDateTime(profile, ticket.resolutionDueAt) || '-'],
    ['Tanggapan pertama', formatDateTime(profile, ticket.firstResponseAt) || '-'],
    ['Selesai', formatDateTime(profile, ticket.resolvedAt) || '-'],
    ...(ticket.rating ? [['Nilai pelapor', `${ticket.rating}/5`] as [string, HtmlValue]] : []),
    ...(ticket.referredTo ? [['Dirujuk ke', ticket.referredTo] as [string, HtmlValue]] : []),
    ...(ticket.closeReason ? [['Alasan', ticket.closeReason] as [string, HtmlValue]] : []),
  ];
  const officerOptions = officers.map((officer) => option(officer.id, officerLabel(profile, officers, officer.id), ''));
  return html`<p class="no-print"><a href="/dasbor">« Daftar tiket</a></p>
<h1>${ticket.code} ${badges(ticket, now)}</h1>
${notice(input.notice)}${notice(input.error, true)}
<div class="card"><p>${ticket.summary}</p><dl class="facts">${facts.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>${input.privacy.map((line) => html`<p class="muted">${line}</p>`)}</div>
<h2>Percakapan</h2>
${input.conversation.length === 0 ? html`<p class="muted">Belum ada pesan.</p>` : ''}
<ul class="conversation">${input.conversation.map(
    (message) => html`<li class="${message.direction}"><small>${message.direction === 'in' ? 'Warga' : 'Desa'} · ${formatDateTime(profile, message.at)}</small><br>${message.text}${attachmentList(message)}</li>`,
  )}</ul>
<h2>Catatan internal</h2>
${notes.length === 0 ? html`<p class="muted">Belum ada catatan.</p>` : html`<ul class="events">${notes.map((event) => html`<li><small>${formatDateTime(profile, event.at)} · ${officers.find((o) => o.id === event.actor)?.name ?? event.actor}</small><br>${event.note ?? ''}</li>`)}</ul>`}
<h2 class="no-print">Tindakan</h2>
<div class="actions-grid no-print">
${actionForm(ticket, csrf, 'balas', 'Balas pelapor', textField('teks', 'Jawaban (dikirim ke pelapor lewat kanal yang ia pakai)', 'reply-text'), 'Kirim jawaban')}
${actionForm(ticket, csrf, 'ambil', 'Ambil', html`<p class="muted">Tangani tiket ini sendiri.</p>`, 'Saya tangani')}
${actionForm(ticket, csrf, 'selesai', 'Tandai selesai', textField('teks', 'Penyelesaian (boleh kosong)', 'resolve-text', false), 'Selesai')}
${actionForm(ticket, csrf, 'alihkan', 'Alihkan', html`<label for="reassign-to">Ke petugas</label><select id="reassign-to" name="petugas" required>${officerOptions}</select>`, 'Alihkan')}
${actionForm(ticket, csrf, 'kategori', 'Ganti kategori', html`<label for="category">Kategori</label><select id="category" name="kategori">${CATEGORIES.map((category) => option(category, categoryLabel(category), ticket.category))}</select>`, 'Simpan kategori')}
${actionForm(ticket, csrf, 'catatan', 'Catatan internal', textField('teks', 'Catatan (tidak dikirim ke pelapor)', 'note-text'), 'Simpan catatan')}
${actionForm(ticket, csrf, 'tolak', 'Tolak', textField('teks', 'Alasan (dikirim ke pelapor)', 'reject-text'), 'Tolak tiket')}
${actionForm(ticket, csrf, 'rujuk', 'Rujuk ke luar desa', html`<label for="refer-to">Tujuan (satu kata, mis. kecamatan, puskesmas, SP4N-LAPOR)</label><input type="text" id="refer-to" name="tujuan" required maxlength="64" pattern="\\S+"><label for="refer-note">Keterangan (boleh kosong)</label><textarea id="refer-note" name="teks" maxlength="4000"></textarea>`, 'Rujuk')}
${actionForm(ticket, csrf, 'gabung', 'Gabungkan (duplikat)', html`<label for="merge-into">Tiket ini duplikat dari (kode, mis. SKM-17)</label><input type="text" id="merge-into" name="tujuan" required maxlength="32">`, 'Gabungkan')}
</div>
<h2>Riwayat</h2>
<ul class="events">${input.events.map((event) => eventLine(profile, officers, event))}</ul>`;
}

export function proposalsPage(input: { profile: VillageProfile; officers: readonly Officer[]; proposals: Ticket[]; now: number }): Html {
  const { profile, officers } = input;
  const groups = new Map<string, Ticket[]>();
  for (const ticket of input.proposals) {
    const key = ticket.dusun ? `Dusun ${dusunName(profile, ticket.dusun)}` : 'Tanpa keterangan dusun';
    groups.set(key, [...(groups.get(key) ?? []), ticket]);
  }
  return html`<h1>Usulan warga untuk Musdes</h1>
<p class="muted">${input.proposals.length} usulan terbuka, dikelompokkan per dusun · dicetak ${formatDateTime(profile, input.now)}. <span class="no-print">Cetak dari menu peramban (Ctrl+P); formulir dan menu tidak ikut tercetak.</span></p>
${input.proposals.length === 0 ? html`<div class="card">Belum ada usulan terbuka.</div>` : ''}
${[...groups.entries()].map(
    ([dusun, tickets]) => html`<section class="card"><h2>${dusun} (${tickets.length})</h2><ul class="tickets">${tickets.map(
      (ticket) => html`<li><a class="code" href="/dasbor/tiket/${ticket.id}">${ticket.code}</a> · ${categoryLabel(ticket.category)} · ${statusLabel(ticket.status)}
<div>${ticket.summary}</div><small>Masuk ${formatDateTime(profile, ticket.createdAt)}${ticket.rw ? ` · RW ${ticket.rw}` : ''}${ticket.rt ? ` RT ${ticket.rt}` : ''} · ${officerLabel(profile, officers, ticket.assignee)}</small></li>`,
    )}</ul></section>`,
  )}`;
}

