// The whole of what is stored about one resident, for an officer to hand over when the chat answer
// to /dataku was too long (`npm run --silent export-contact -- CHANNEL ID`). Recorded as an export
// request (who, when), like /dataku.
import { createDataRequest, findContact, listAllContactTickets, listContactMessages } from '../../storage/repositories/index.ts';
import type { CoreContext } from '../context.ts';

export interface ContactExport {
  contact: { channel: string; id: string; displayName: string | null; firstSeen: string; lastSeen: string; consent: string | null };
  tickets: Array<{ code: string; category: string; status: string; received: string; resolved: string | null; closed: string | null; summary: string }>;
  /** Every message from and to the resident, oldest first. */
  messages: Array<{ at: string; direction: 'in' | 'out'; ticket: string | null; text: string; attachments: number }>;
}

const iso = (at: number) => new Date(at).toISOString();
const isoOrNull = (at: number | null) => (at === null ? null : iso(at));

export function exportContactData(ctx: CoreContext, channel: string, externalId: string): ContactExport | undefined {
  const db = ctx.store.db;
  const contact = findContact(db, channel, externalId);
  if (!contact) return undefined;
  const tickets = listAllContactTickets(db, contact.id).reverse();
  const codes = new Map(tickets.map((ticket) => [ticket.id, ticket.code]));
  createDataRequest(db, { contactId: contact.id, kind: 'export', state: 'done', requestedAt: ctx.now(), completedAt: ctx.now() });
  return {
    contact: {
      channel: contact.channel,
      id: contact.externalId,
      displayName: contact.displayName,
      firstSeen: iso(contact.createdAt),
      lastSeen: iso(contact.lastSeenAt),
      consent: isoOrNull(contact.consentAt),
    },
    tickets: tickets.map((ticket) => ({
      code: ticket.code,
      category: ticket.category,
      status: ticket.status,
      received: iso(ticket.createdAt),
      resolved: isoOrNull(ticket.resolvedAt),
      closed: isoOrNull(ticket.closedAt),
      summary: ticket.summary,
    })),
    messages: listContactMessages(db, contact.id).map((message) => ({
      at: iso(message.at),
      direction: message.direction,
      ticket: message.ticketId === null ? null : (codes.get(message.ticketId) ?? null),
      text: message.text,
      attachments: message.attachments?.length ?? 0,
    })),
  };
}
