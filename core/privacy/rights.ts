// Residents' rights over their data in chat (UU 27/2022): /dataku shows what is stored about them,
// /hapus deletes it after a confirmation ("YA HAPUS" within 24 hours). Both only for the resident's
// own data, from their own private chat. Runs inside the intake transaction.
import {
  cancelPendingOutbox,
  createDataRequest,
  findDataRequest,
  getContact,
  listAllContactTickets,
  listContactInbound,
  removeFollowingOfOpenData,
  setDataRequestState,
  type Contact,
  type Ticket,
} from '../../storage/repositories/index.ts';
import type { CoreContext } from '../context.ts';
import type { Category } from '../domain.ts';
import { isOpen, transition } from '../lifecycle.ts';
import { CATEGORY_LABELS, formatVillageTime, privacyText, statusLabel } from '../messages.ts';
import { queueMessage, queueToOfficer } from '../notify.ts';
import { truncate } from '../text.ts';
import type { InboundMessage } from '../types.ts';
import { anonymizeContact, anonymizeTicket, PersonalDataIndex } from './anonymize.ts';

/** How long a deletion request waits for "YA HAPUS". */
export const DELETION_CONFIRMATION_MS = 24 * 3_600_000;
/** Commands about the resident's own data: only in a private chat. */
export const DATA_RIGHTS_COMMANDS = ['dataku', 'hapus'] as const;
/** What a resident's data export may hold in one chat message (Telegram's limit is 4,096). */
const EXPORT_MAX_CHARS = 3500;
const EXPORT_MAX_TICKETS = 15;
const EXPORT_MAX_MESSAGES = 50;
const EXPORT_MESSAGE_CHARS = 300;

export type Reply = (text: string, purpose: string) => void;

export function isDataRightsCommand(name: string): boolean {
  return (DATA_RIGHTS_COMMANDS as readonly string[]).includes(name);
}

/** In a group, a resident's data is never shown nor deleted: they are asked to use a private chat. */
export function refuseDataRightsInGroup(ctx: CoreContext, message: InboundMessage, command: string): void {
  queueMessage(ctx, {
    channel: message.channel,
    chatId: message.chat.id,
    text: privacyText.privateChatOnly(command),
    purpose: 'refusal',
    replyTo: message.externalId,
  });
}

function formatTime(ctx: CoreContext, at: number): string {
  return formatVillageTime(ctx.profile.village.timezone, at);
}

function formatDay(ctx: CoreContext, at: number): string {
  return new Intl.DateTimeFormat('id-ID', { timeZone: ctx.profile.village.timezone, dateStyle: 'medium' }).format(at);
}

/**
 * Anything after the command ("/dataku 0812...", "/hapus SKM-12") names someone or something else:
 * refused, since only the resident's own data, from their own chat, can be asked for.
 */
function refuseArguments(command: string | undefined, args: string, reply: Reply): boolean {
  if (args === '') return false;
  reply(privacyText.onlyOwnData(command ?? '/dataku'), 'refusal');
  return true;
}

function ticketLine(ctx: CoreContext, ticket: Ticket): string {
  const dates = [
    `masuk ${formatDay(ctx, ticket.createdAt)}`,
    ticket.resolvedAt ? `selesai ${formatDay(ctx, ticket.resolvedAt)}` : undefined,
    ticket.closedAt ? `ditutup ${formatDay(ctx, ticket.closedAt)}` : undefined,
  ].filter((part): part is string => part !== undefined);
  const category = CATEGORY_LABELS[ticket.category as Category] ?? ticket.category;
  return `• ${ticket.code} — ${category} — ${statusLabel(ticket.status)}; ${dates.join(', ')}`;
}

/** /dataku: what is stored about the resident, their tickets and their messages (newest first, capped). */
export function sendDataExport(ctx: CoreContext, contactId: number, message: InboundMessage, args: string, reply: Reply): void {
  if (refuseArguments('/dataku', args, reply)) return;
  const db = ctx.store.db;
  const contact = getContact(db, contactId);
  if (!contact) return;
  const tickets = listAllContactTickets(db, contactId);
  const ticketLines = tickets.slice(0, EXPORT_MAX_TICKETS).map((ticket) => ticketLine(ctx, ticket));
  if (tickets.length > EXPORT_MAX_TICKETS) ticketLines.push(privacyText.moreTickets(tickets.length - EXPORT_MAX_TICKETS));

  const inbound = listContactInbound(db, contactId, EXPORT_MAX_MESSAGES + 1);
  // The request itself is not part of the answer.
  const written = inbound.rows.filter((row) => !(row.channel === message.channel && row.externalId === message.externalId));
  const total = inbound.total - (written.length < inbound.rows.length ? 1 : 0);
  const head = privacyText.exportHeader({
    village: ctx.profile.village.name,
    account: `${contact.channel} ${contact.externalId}`,
    displayName: contact.displayName,
    firstSeen: formatTime(ctx, contact.createdAt),
    lastSeen: formatTime(ctx, contact.lastSeenAt),
    consent: contact.consentAt ? formatTime(ctx, contact.consentAt) : undefined,
    privacyNotice: contact.privacyNoticeAt ? formatTime(ctx, contact.privacyNoticeAt) : undefined,
    tickets: ticketLines,
  });
  const messageLines: string[] = [];
  let length = head.length;
  for (const row of written) {
    const attachments = row.attachments?.length ? ` [+${row.attachments.map((a) => a.kind).join(', ')}]` : '';
    const line = `• ${formatTime(ctx, row.at)}: ${truncate(row.text, EXPORT_MESSAGE_CHARS) || '-'}${attachments}`;
    if (length + line.length > EXPORT_MAX_CHARS) break;
    messageLines.push(line);
    length += line.length + 1;
  }
  reply(privacyText.exportBody(head, messageLines, total, total - messageLines.length), 'data_export');
  createDataRequest(db, { contactId, kind: 'export', state: 'done', requestedAt: ctx.now(), completedAt: ctx.now() });
  ctx.logger.info({ contact: contactId }, 'resident data export sent');
}

/** /hapus: explains what goes and what stays, and waits for "YA HAPUS". */
export function requestDeletion(ctx: CoreContext, contactId: number, args: string, reply: Reply): void {
  if (refuseArguments('/hapus', args, reply)) return;
  const db = ctx.store.db;
  const now = ctx.now();
  // A new request restarts the 24 hours.
  const earlier = findDataRequest(db, contactId, 'delete', 'awaiting_confirmation');
  if (earlier) setDataRequestState(db, earlier.id, 'cancelled', now);
  createDataRequest(db, { contactId, kind: 'delete', state: 'awaiting_confirmation', requestedAt: now });
  const open = listAllContactTickets(db, contactId).filter((ticket) => isOpen(ticket) || ticket.status === 'resolved');
  reply(privacyText.deletionConfirm(open.map((ticket) => ticket.code)), 'data_delete_confirm');
}

/** "YA HAPUS": deletes the resident's data when their request is less than 24 hours old. */
export function confirmDeletion(ctx: CoreContext, contactId: number, message: InboundMessage, reply: Reply): void {
  const db = ctx.store.db;
  const now = ctx.now();
  const request = findDataRequest(db, contactId, 'delete', 'awaiting_confirmation');
  if (!request) {
    reply(privacyText.noPendingDeletion(), 'data_delete_none');
    return;
  }
  if (request.requestedAt < now - DELETION_CONFIRMATION_MS) {
    setDataRequestState(db, request.id, 'expired', now);
    reply(privacyText.deletionExpired(), 'data_delete_expired');
    return;
  }
  const contact = getContact(db, contactId);
  if (!contact) return;
  deleteContactData(ctx, contact, message);
  setDataRequestState(db, request.id, 'done', now);
}

/**
 * Closes the resident's open tickets, cancels what was still to be sent to them or about their
 * tickets, queues the last message ("data Anda sudah dihapus") while their chat id is still known,
 * then anonymises their tickets, messages and contact.
 */
function deleteContactData(ctx: CoreContext, contact: Contact, message: InboundMessage): void {
  const db = ctx.store.db;
  const now = ctx.now();
  const actor = `contact:${contact.id}`;
  const tickets = listAllContactTickets(db, contact.id);
  const cancelled = cancelPendingOutbox(db, contact.id, tickets.map((ticket) => ticket.id), 'dibatalkan: pelapor meminta datanya dihapus');
  const finished = tickets.map((ticket) => {
    if (!isOpen(ticket) && ticket.status !== 'resolved') return ticket;
    const closed = transition(ctx, ticket, 'closed', actor, {
      note: privacyText.closeReason(),
      patch: { closeReason: privacyText.closeReason(), closedAt: now, needsTriage: false },
      data: { action: 'data_deleted' },
    });
    const assignee = ticket.assignee ? ctx.officers.byId(ticket.assignee) : undefined;
    if (assignee) queueToOfficer(ctx, assignee, privacyText.ticketClosedForOfficer(ticket.code), 'data_deleted_notice', { ticketId: ticket.id });
    return closed;
  });
  queueMessage(ctx, {
    channel: message.channel,
    chatId: message.chat.id,
    text: privacyText.deletionDone(),
    purpose: 'data_deleted',
    contactId: contact.id,
  });
  const index = new PersonalDataIndex(ctx, false);
  for (const ticket of finished) if (ticket.anonymizedAt === null) anonymizeTicket(ctx, index, ticket);
  removeFollowingOfOpenData(db, contact.id);
  anonymizeContact(ctx, index, contact, { deletionRequestedAt: now });
  ctx.logger.info({ contact: contact.id, tickets: tickets.length, cancelledOutbox: cancelled }, 'resident data deleted on request');
}

/** Lines for an officer's view of a ticket: the reporter asked for deletion, or retention anonymised it. */
export function ticketPrivacyLines(ctx: CoreContext, ticket: Ticket): string[] {
  const reporter = getContact(ctx.store.db, ticket.contactId);
  if (reporter?.deletionRequestedAt) return [privacyText.deletionRequestedForOfficer(formatDay(ctx, reporter.deletionRequestedAt))];
  if (ticket.anonymizedAt) return [privacyText.anonymizedForOfficer(formatDay(ctx, ticket.anonymizedAt))];
  return [];
}
