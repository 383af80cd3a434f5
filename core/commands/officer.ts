// Triage commands for officers and BPD members, channel-agnostic. Each runs inside a transaction (the
// intake's, or the dashboard's) and answers where the command came from: the chat, or the web page.
import type { Officer } from '../../config/profile.ts';
import {
  addCorrection,
  addTicketFollower,
  getTicket,
  listOpenTickets,
  listOverdueTickets,
  listTicketEvents,
  listTicketFollowers,
  listTicketMessages,
  updateTicket,
  type StoredMessage,
  type Ticket,
} from '../../storage/repositories/index.ts';
import { createLoginLink } from '../auth/login-link.ts';
import type { CoreContext } from '../context.ts';
import { CATEGORIES, isCategory, type Category, type Kind, type Status } from '../domain.ts';
import { firstResponsePatch, isOpen, isTerminal, recordEvent, survivingTicket, transition } from '../lifecycle.ts';
import { CATEGORY_LABELS, formatVillageTime, KIND_LABELS, officerText, privacyText, ratingActions, residentText, statusLabel } from '../messages.ts';
import { computeDeadlines } from '../deadlines/sla.ts';
import { handlerLabel, queueMessage, queueToOfficer, queueToTicketResidents } from '../notify.ts';
import { placeLabel } from '../gazetteer.ts';
import { ticketPrivacyLines } from '../privacy/rights.ts';
import { route } from '../router.ts';
import { truncate } from '../text.ts';
import type { InboundMessage } from '../types.ts';
import { firstWord, parseTicketRef, type ParsedCommand } from './parse.ts';

export const OFFICER_COMMANDS = [
  'tiket',
  'lihat',
  'ambil',
  'balas',
  'alihkan',
  'kategori',
  'catatan',
  'selesai',
  'tolak',
  'gabung',
  'rujuk',
  'masuk',
  'bantuan',
] as const;

export function isOfficerCommand(name: string): boolean {
  return (OFFICER_COMMANDS as readonly string[]).includes(name);
}

/** Where a command came from and where its answers go. */
export interface CommandOrigin {
  /** A group chat: confidential tickets are neither shown nor handled there. */
  isGroup: boolean;
  /** Delivers one answer to the officer (queued to the chat, or shown on the dashboard page). */
  respond(text: string, ticketId?: number): void;
}

/** The origin of a command typed in a chat: answers are queued to that chat, replying to the command. */
export function chatOrigin(ctx: CoreContext, message: InboundMessage): CommandOrigin {
  return {
    isGroup: message.chat.isGroup,
    respond(text, ticketId) {
      queueMessage(ctx, {
        channel: message.channel,
        chatId: message.chat.id,
        text,
        purpose: 'command_reply',
        replyTo: message.externalId,
        ticketId,
      });
    },
  };
}

interface CommandScope {
  ctx: CoreContext;
  officer: Officer;
  origin: CommandOrigin;
}

function answer(scope: CommandScope, text: string, ticketId?: number): void {
  scope.origin.respond(text, ticketId);
}

export function isBpd(officer: Officer): boolean {
  return officer.role.startsWith('bpd_');
}

/** Confidential tickets are for the BPD and whoever handles them, and only outside group chats. */
export function canSeeTicket(officer: Officer, ticket: Pick<Ticket, 'confidential' | 'assignee'>, isGroup = false): boolean {
  return !ticket.confidential || (!isGroup && (isBpd(officer) || ticket.assignee === officer.id));
}

function checkAccess(scope: CommandScope, ticket: Ticket): boolean {
  if (canSeeTicket(scope.officer, ticket, scope.origin.isGroup)) return true;
  answer(scope, scope.origin.isGroup ? officerText.confidentialHere(ticket.code) : officerText.confidentialDenied(ticket.code));
  return false;
}

/** Loads the ticket named by `ref`, answering the officer when it cannot be used. */
function loadTicket(
  scope: CommandScope,
  ref: string,
  usage: string,
  options: { allowClosed?: boolean; openOnly?: boolean } = {},
): Ticket | undefined {
  const id = parseTicketRef(ref);
  if (id === undefined) {
    answer(scope, officerText.usage(usage));
    return undefined;
  }
  const ticket = getTicket(scope.ctx.store.db, id);
  if (!ticket) {
    answer(scope, officerText.ticketNotFound(ref));
    return undefined;
  }
  if (!checkAccess(scope, ticket)) return undefined;
  if (ticket.status === 'merged') {
    const survivor = survivingTicket(scope.ctx, ticket, (next) => getTicket(scope.ctx.store.db, next));
    answer(scope, officerText.mergedInto(ticket.code, survivor.code));
    return undefined;
  }
  if (!options.allowClosed && isTerminal(ticket)) {
    answer(scope, officerText.alreadyClosed(ticket.code, ticket.status));
    return undefined;
  }
  // Taking or handing over a resolved ticket would reopen it behind the resident's back, just after
  // they were told it is done and asked to rate it: the resident reopens it by replying instead.
  if (options.openOnly && ticket.status === 'resolved') {
    answer(scope, officerText.alreadyResolved(ticket.code));
    return undefined;
  }
  return ticket;
}

function ageLabel(now: number, since: number): string {
  const hours = Math.floor((now - since) / 3_600_000);
  if (hours < 1) return 'baru saja';
  if (hours < 48) return `${hours} jam`;
  return `${Math.floor(hours / 24)} hari`;
}

function listTickets(scope: CommandScope, arg: string): void {
  const { ctx, officer } = scope;
  const now = ctx.now();
  const filter = arg.toLowerCase();
  let title: string;
  let tickets: Ticket[];
  const limit = 15;
  if (filter === '' || filter === 'saya') {
    title = 'Tiket saya';
    tickets = listOpenTickets(ctx.store.db, { assignee: officer.id, limit: limit + 1 });
  } else if (filter === 'terbuka' || filter === 'semua') {
    title = 'Tiket terbuka';
    tickets = listOpenTickets(ctx.store.db, { limit: limit + 1 });
  } else if (filter === 'antrean' || filter === 'antrian' || filter === 'triase') {
    title = 'Antrean triase';
    tickets = listOpenTickets(ctx.store.db, { triageQueue: true, limit: limit + 1 });
  } else if (filter === 'lewat' || filter === 'terlambat') {
    title = 'Tiket lewat tenggat';
    tickets = listOverdueTickets(ctx.store.db, now, limit + 1);
  } else {
    answer(scope, officerText.usage('/tiket [saya|terbuka|antrean|lewat]'));
    return;
  }
  // Confidential tickets are listed only to the BPD (and their handler), and only in private chats.
  const visible = tickets.filter((ticket) => canSeeTicket(officer, ticket, scope.origin.isGroup));
  if (visible.length === 0) {
    answer(scope, officerText.emptyList(title));
    return;
  }
  const lines = visible.slice(0, limit).map((ticket) =>
    officerText.listLine(
      ticket.code,
      ticket.status,
      ticket.category,
      ageLabel(now, ticket.createdAt),
      truncate(ticket.summary, 70),
      `${ticket.urgent ? '🚨' : ''}${ticket.confidential ? '🔒' : ''}${ticket.needsTriage ? '❓' : ''}`,
    ),
  );
  answer(scope, officerText.list(title, lines, visible.length > limit));
}

function formatTime(ctx: CoreContext, at: number): string {
  return formatVillageTime(ctx.profile.village.timezone, at);
}

/**
 * What passed between the resident and the village on a ticket, oldest first: messages to officers
 * (notifications, answers to commands) and officers' own messages (their replies reach the resident
 * as 'out') stay out.
 */
export function residentConversation(ctx: CoreContext, ticketId: number): StoredMessage[] {
  return listTicketMessages(ctx.store.db, ticketId).filter((message) =>
    message.direction === 'in'
      ? !(message.senderId !== null && ctx.officers.byContact(message.channel, message.senderId))
      : message.contactId !== null && !message.purpose?.startsWith('notify_'),
  );
}

function viewTicket(scope: CommandScope, ticket: Ticket): void {
  const { ctx } = scope;
  const place = placeLabel(ctx.profile, ticket);
  const lines = [
    `${ticket.urgent ? '🚨 ' : ''}${ticket.confidential ? '🔒 ' : ''}${ticket.code} — ${statusLabel(ticket.status)}`,
    `${KIND_LABELS[ticket.kind as Kind] ?? ticket.kind}, ${CATEGORY_LABELS[ticket.category as Category] ?? ticket.category} (${Math.round(ticket.confidence * 100)}%)`,
    `Petugas: ${handlerLabel(ctx, ticket.assignee) ?? (ticket.needsTriage ? 'antrean triase' : '-')}`,
    place ? `Lokasi: ${place}` : undefined,
    `Masuk: ${formatTime(ctx, ticket.createdAt)}`,
    ticket.firstResponseAt ? `Tanggapan pertama: ${formatTime(ctx, ticket.firstResponseAt)}` : undefined,
    ticket.resolvedAt ? `Selesai: ${formatTime(ctx, ticket.resolvedAt)}` : undefined,
    ...deadlineLines(ctx, ticket),
    ticket.rating ? `Nilai pelapor: ${ticket.rating}/5` : undefined,
    ticket.referredTo ? `Dirujuk ke: ${ticket.referredTo}` : undefined,
    ticket.closeReason ? `Alasan: ${ticket.closeReason}` : undefined,
    ...ticketPrivacyLines(ctx, ticket),
    '',
    'Percakapan:',
  ].filter((line): line is string => line !== undefined);
  const conversation = residentConversation(ctx, ticket.id)
    .slice(-12)
    .map((message) => {
      const who = message.direction === 'in' ? 'Warga' : 'Desa';
      const attachments = message.attachments?.length ? ` [+${message.attachments.length} lampiran]` : '';
      return `${formatTime(ctx, message.at)} ${who}: ${truncate(message.text, 300)}${attachments}`;
    });
  const notes = listTicketEvents(ctx.store.db, ticket.id)
    .filter((event) => event.type === 'note')
    .slice(-5)
    .map((event) => `${formatTime(ctx, event.at)} ${event.actor}: ${truncate(event.note ?? '', 200)}`);
  const followers = listTicketFollowers(ctx.store.db, ticket.id).length;
  answer(
    scope,
    officerText.details([
      ...lines,
      ...conversation,
      ...(notes.length > 0 ? ['', 'Catatan internal:', ...notes] : []),
      ...(followers > 0 ? ['', `Pengikut (laporan yang digabung): ${followers}`] : []),
    ]),
    ticket.id,
  );
}

/** The deadlines a ticket still has to meet, marked when missed. */
function deadlineLines(ctx: CoreContext, ticket: Ticket): string[] {
  if (!isOpen(ticket)) return [];
  const now = ctx.now();
  const line = (label: string, due: number | null, met: number | null) =>
    due === null || met !== null ? undefined : `${label}: ${formatTime(ctx, due)}${due <= now ? ' — LEWAT TENGGAT' : ''}`;
  return [
    line('Tenggat tanggapan pertama', ticket.responseDueAt, ticket.firstResponseAt),
    line('Tenggat penyelesaian', ticket.resolutionDueAt, ticket.resolvedAt),
    ticket.escalationLevel > 0 ? `Dieskalasi: tahap ${ticket.escalationLevel}` : undefined,
  ].filter((entry): entry is string => entry !== undefined);
}

function residentHandlerLabel(scope: CommandScope): string {
  return handlerLabel(scope.ctx, scope.officer.id) ?? scope.officer.name;
}

/** Sends an officer's answer to the resident; used by /balas and by replying to a notification. */
export function replyToResident(ctx: CoreContext, officer: Officer, message: InboundMessage, ticket: Ticket, text: string): void {
  replyFrom({ ctx, officer, origin: chatOrigin(ctx, message) }, ticket, text);
}

function replyFrom(scope: CommandScope, ticket: Ticket, text: string): void {
  const { ctx, officer } = scope;
  if (!checkAccess(scope, ticket)) return;
  if (ticket.status === 'merged') {
    const survivor = survivingTicket(ctx, ticket, (id) => getTicket(ctx.store.db, id));
    answer(scope, officerText.mergedInto(ticket.code, survivor.code));
    return;
  }
  // The reporter's chat id is gone (deletion request or retention): nothing can reach them.
  if (ticket.anonymizedAt !== null) {
    answer(scope, privacyText.cannotAnswer(ticket.code));
    return;
  }
  const next: Status = ticket.status === 'new' || ticket.status === 'assigned' ? 'in_progress' : (ticket.status as Status);
  const updated = transition(ctx, ticket, next, officer.id, {
    note: text,
    patch: { ...firstResponsePatch(ctx, ticket), ...(ticket.assignee ? {} : { assignee: officer.id, needsTriage: false }) },
    data: { action: 'reply' },
  });
  queueToTicketResidents(ctx, updated, residentText.officerReply(ticket.code, residentHandlerLabel(scope), text), 'officer_reply');
  answer(scope, officerText.replied(ticket.code), ticket.id);
}

function claim(scope: CommandScope, ticket: Ticket): void {
  const { ctx, officer } = scope;
  if (ticket.confidential && !isBpd(officer)) {
    answer(scope, officerText.confidentialDenied(ticket.code));
    return;
  }
  if (ticket.assignee === officer.id) {
    // Already mine: nothing changes and the resident is not told twice.
    answer(scope, officerText.claimed(ticket.code, undefined), ticket.id);
    return;
  }
  const previous = ticket.assignee ?? undefined;
  const updated = transition(ctx, ticket, ticket.status === 'in_progress' ? 'in_progress' : 'assigned', officer.id, {
    patch: { assignee: officer.id, needsTriage: false, ...firstResponsePatch(ctx, ticket) },
    data: { action: 'claim', previousAssignee: ticket.assignee },
  });
  queueToTicketResidents(ctx, updated, residentText.handlerAssigned(ticket.code, residentHandlerLabel(scope)), 'status_update');
  answer(scope, officerText.claimed(ticket.code, previous), ticket.id);
}

function reassign(scope: CommandScope, ticket: Ticket, targetRef: string): void {
  const { ctx, officer } = scope;
  const target = ctx.officers.resolve(targetRef);
  if (!target) {
    answer(scope, officerText.unknownOfficer(targetRef, ctx.officers.all.map((o) => o.id)));
    return;
  }
  if (ticket.confidential && !isBpd(target)) {
    answer(scope, officerText.confidentialDenied(ticket.code));
    return;
  }
  const updated = transition(ctx, ticket, ticket.status === 'in_progress' ? 'in_progress' : 'assigned', officer.id, {
    patch: { assignee: target.id, needsTriage: false },
    data: { action: 'reassign', from: ticket.assignee, to: target.id },
  });
  if (ticket.assignee !== target.id) {
    queueToTicketResidents(ctx, updated, residentText.handlerAssigned(ticket.code, handlerLabel(ctx, target.id) ?? target.name), 'status_update');
  }
  queueToOfficer(ctx, target, officerText.assignedToYou(ticket.code, ctx.officers.label(officer), truncate(ticket.summary, 500)), 'notify_assigned', {
    ticketId: ticket.id,
    urgent: ticket.urgent,
  });
  answer(scope, officerText.reassigned(ticket.code, ctx.officers.label(target)), ticket.id);
}

function recategorise(scope: CommandScope, ticket: Ticket, categoryRef: string): void {
  const { ctx, officer } = scope;
  const category = categoryRef.toLowerCase();
  if (!isCategory(category)) {
    answer(scope, officerText.unknownCategory(categoryRef, CATEGORIES));
    return;
  }
  if (category === ticket.category) {
    answer(scope, officerText.sameCategory(ticket.code, category), ticket.id);
    return;
  }
  // The classifier learns from the resident's whole first message, not the shortened summary.
  const firstMessage = listTicketMessages(ctx.store.db, ticket.id).find((message) => message.direction === 'in');
  addCorrection(ctx.store.db, {
    ticketId: ticket.id,
    text: firstMessage?.text ?? ticket.summary,
    predicted: ticket.category,
    corrected: category,
    officer: officer.id,
    at: ctx.now(),
  });
  recordEvent(ctx, ticket, 'recategorised', officer.id, { data: { from: ticket.category, to: category } });
  let rerouted: string | undefined;
  // A new category brings its own deadlines (bencana counts hours), still from the report's time.
  let patch: Partial<Ticket> = { category, ...computeDeadlines(ctx.profile, ctx.calendar, { category, createdAt: ticket.createdAt }) };
  if (isOpen(ticket) && !ticket.confidential) {
    // The summary lets routing keep a complaint away from a BPD member it names.
    const decision = route(
      ctx.profile,
      ctx.officers,
      { category, confidence: 1, alternatives: [], kind: ticket.kind as Kind, urgent: ticket.urgent },
      { dusun: ticket.dusun ?? undefined },
      ticket.summary,
    );
    // A ticket nobody handles yet goes to the handler of its corrected category; a complaint about
    // officials (DESIGN.md) goes to the BPD, confidential, whoever had it.
    if (decision.assignee && (!ticket.assignee || decision.confidential)) {
      patch = { ...patch, assignee: decision.assignee.id, needsTriage: false, confidential: decision.confidential };
      rerouted = ctx.officers.label(decision.assignee);
      queueToOfficer(
        ctx,
        decision.assignee,
        officerText.assignedToYou(ticket.code, ctx.officers.label(officer), truncate(ticket.summary, 500)),
        'notify_assigned',
        { ticketId: ticket.id, urgent: ticket.urgent },
      );
    }
  }
  if (rerouted) {
    transition(ctx, ticket, ticket.status === 'in_progress' ? 'in_progress' : 'assigned', officer.id, {
      patch,
      data: { action: 'recategorise', from: ticket.assignee, to: patch.assignee },
    });
  } else {
    updateTicket(ctx.store.db, ticket.id, { ...patch, lastActivityAt: ctx.now() });
  }
  answer(scope, officerText.recategorised(ticket.code, ticket.category, category, rerouted), ticket.id);
}

function resolve(scope: CommandScope, ticket: Ticket, text: string): void {
  const { ctx, officer } = scope;
  const now = ctx.now();
  const updated = transition(ctx, ticket, 'resolved', officer.id, {
    note: text || undefined,
    patch: {
      resolvedAt: now,
      ratingRequestedAt: now,
      ...firstResponsePatch(ctx, ticket),
      ...(ticket.assignee ? {} : { assignee: officer.id }),
      needsTriage: false,
    },
  });
  // Only the reporter is asked for a rating: a follower's "5" would not be taken as one.
  const resolution = text || residentText.defaultResolution();
  queueToTicketResidents(
    ctx,
    updated,
    residentText.resolved(ticket.code, resolution),
    'resolved',
    residentText.resolvedForFollower(ticket.code, resolution),
    ratingActions(),
  );
  answer(scope, officerText.resolvedDone(ticket.code), ticket.id);
}

function reject(scope: CommandScope, ticket: Ticket, reason: string): void {
  const { ctx, officer } = scope;
  const updated = transition(ctx, ticket, 'rejected', officer.id, {
    note: reason,
    patch: { closeReason: reason, closedAt: ctx.now(), needsTriage: false, ...firstResponsePatch(ctx, ticket) },
  });
  queueToTicketResidents(ctx, updated, residentText.rejected(ticket.code, reason), 'rejected');
  answer(scope, officerText.rejectedDone(ticket.code), ticket.id);
}

function merge(scope: CommandScope, duplicate: Ticket, survivor: Ticket): void {
  const { ctx, officer } = scope;
  if (duplicate.id === survivor.id) {
    answer(scope, officerText.sameTicket());
    return;
  }
  const now = ctx.now();
  transition(ctx, duplicate, 'merged', officer.id, {
    patch: { mergedInto: survivor.id, closedAt: now, needsTriage: false },
    data: { into: survivor.code },
  });
  recordEvent(ctx, survivor, 'merged_from', officer.id, { data: { from: duplicate.code } });
  const followers = [
    { contactId: duplicate.contactId, channel: duplicate.channel, chatId: duplicate.chatId },
    ...listTicketFollowers(ctx.store.db, duplicate.id),
  ].filter((follower) => follower.contactId !== survivor.contactId);
  for (const follower of followers) {
    addTicketFollower(ctx.store.db, {
      ticketId: survivor.id,
      contactId: follower.contactId,
      channel: follower.channel,
      chatId: follower.chatId,
      createdAt: now,
    });
  }
  // The duplicate's reporters learn which ticket they now follow.
  queueToTicketResidents(ctx, duplicate, residentText.merged(duplicate.code, survivor.code), 'merged');
  answer(scope, officerText.mergedDone(duplicate.code, survivor.code), duplicate.id);
}

function refer(scope: CommandScope, ticket: Ticket, rest: string): void {
  const { ctx, officer } = scope;
  const [target, note] = firstWord(rest);
  const updated = transition(ctx, ticket, 'referred', officer.id, {
    note: note || undefined,
    patch: { referredTo: target, closedAt: ctx.now(), needsTriage: false, ...firstResponsePatch(ctx, ticket) },
  });
  queueToTicketResidents(ctx, updated, residentText.referred(ticket.code, target, note || undefined), 'referred');
  answer(scope, officerText.referredDone(ticket.code, target), ticket.id);
}

/** Runs one officer command typed in a chat; the officer has already been checked against the profile. */
export function runOfficerCommand(ctx: CoreContext, officer: Officer, message: InboundMessage, command: ParsedCommand): void {
  runOfficerCommandFrom(ctx, officer, chatOrigin(ctx, message), command);
}

/**
 * Runs one officer command from any origin (a chat, or the dashboard acting as the logged-in
 * officer): the same checks and effects, answers delivered through `origin`.
 */
export function runOfficerCommandFrom(ctx: CoreContext, officer: Officer, origin: CommandOrigin, command: ParsedCommand): void {
  const scope: CommandScope = { ctx, officer, origin };
  const [ref, rest] = firstWord(command.rest);
  // A format hint shows the ticket the officer named (e.g. after pressing "Alihkan" on SKM-12).
  const withRef = (usage: string) => (ref ? usage.replace('42', ref) : usage);
  switch (command.name) {
    case 'bantuan':
      answer(scope, officerText.help());
      return;
    case 'masuk':
      // The link opens the officer's dashboard: only in their own private chat, never in a group.
      answer(scope, origin.isGroup ? officerText.loginLinkPrivateOnly() : officerText.loginLink(createLoginLink(ctx, officer)));
      return;
    case 'tiket':
      listTickets(scope, command.rest);
      return;
    case 'lihat': {
      const ticket = loadTicket(scope, ref, '/lihat 42', { allowClosed: true });
      if (ticket) viewTicket(scope, ticket);
      return;
    }
    case 'ambil': {
      const ticket = loadTicket(scope, ref, '/ambil 42', { openOnly: true });
      if (ticket) claim(scope, ticket);
      return;
    }
    case 'balas': {
      if (!rest) return answer(scope, officerText.usage(withRef('/balas 42 teks jawaban')));
      const ticket = loadTicket(scope, ref, '/balas 42 teks jawaban', { allowClosed: true });
      if (ticket) replyFrom(scope, ticket, rest);
      return;
    }
    case 'alihkan': {
      if (!rest) return answer(scope, officerText.usage(withRef('/alihkan 42 kadus_krajan')));
      const ticket = loadTicket(scope, ref, '/alihkan 42 kadus_krajan', { openOnly: true });
      if (ticket) reassign(scope, ticket, firstWord(rest)[0]);
      return;
    }
    case 'kategori': {
      if (!rest) return answer(scope, officerText.usage(withRef(`/kategori 42 air_bersih (${CATEGORIES.join(', ')})`)));
      const ticket = loadTicket(scope, ref, '/kategori 42 air_bersih', { allowClosed: true });
      if (ticket) recategorise(scope, ticket, firstWord(rest)[0]);
      return;
    }
    case 'catatan': {
      if (!rest) return answer(scope, officerText.usage(withRef('/catatan 42 teks catatan')));
      const ticket = loadTicket(scope, ref, '/catatan 42 teks catatan', { allowClosed: true });
      if (ticket) {
        recordEvent(ctx, ticket, 'note', officer.id, { note: rest });
        answer(scope, officerText.noted(ticket.code), ticket.id);
      }
      return;
    }
    case 'selesai': {
      const ticket = loadTicket(scope, ref, '/selesai 42 teks penyelesaian');
      if (ticket && ticket.status === 'resolved') answer(scope, officerText.alreadyClosed(ticket.code, ticket.status));
      else if (ticket) resolve(scope, ticket, rest);
      return;
    }
    case 'tolak': {
      if (!rest) return answer(scope, officerText.usage(withRef('/tolak 42 alasan penolakan')));
      const ticket = loadTicket(scope, ref, '/tolak 42 alasan penolakan');
      if (ticket) reject(scope, ticket, rest);
      return;
    }
    case 'gabung': {
      const usage = '/gabung 42 17 (42 duplikat dari 17)';
      if (!rest) return answer(scope, officerText.usage(usage));
      const duplicate = loadTicket(scope, ref, usage, { allowClosed: true });
      if (!duplicate) return;
      const survivor = loadTicket(scope, firstWord(rest)[0], usage, { allowClosed: true });
      if (survivor) merge(scope, duplicate, survivor);
      return;
    }
    case 'rujuk': {
      if (!rest) return answer(scope, officerText.usage(withRef('/rujuk 42 kecamatan [keterangan]')));
      const ticket = loadTicket(scope, ref, '/rujuk 42 kecamatan [keterangan]');
      if (ticket) refer(scope, ticket, rest);
      return;
    }
    default:
      answer(scope, officerText.unknownCommand(command.raw));
  }
}
