// Ticket lifecycle: every change of status is a ticket_events row with who and when.
import { addTicketEvent, updateTicket, type Ticket, type TicketPatch } from '../storage/repositories/index.ts';
import type { CoreContext } from './context.ts';
import type { Status } from './domain.ts';

export const TERMINAL_STATUSES: readonly Status[] = ['closed', 'rejected', 'referred', 'merged'];
export const OPEN_STATUSES: readonly Status[] = ['new', 'assigned', 'in_progress'];

export function isOpen(ticket: Ticket): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(ticket.status);
}

export function isTerminal(ticket: Ticket): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(ticket.status);
}

/** Changes a ticket's status (and other fields) and records the transition. */
export function transition(
  ctx: CoreContext,
  ticket: Ticket,
  to: Status,
  actor: string,
  options: { note?: string; patch?: TicketPatch; data?: Record<string, unknown> } = {},
): Ticket {
  const now = ctx.now();
  const updated = updateTicket(ctx.store.db, ticket.id, { ...options.patch, status: to, lastActivityAt: now });
  addTicketEvent(ctx.store.db, {
    ticketId: ticket.id,
    type: 'status',
    actor,
    fromStatus: ticket.status,
    toStatus: to,
    note: options.note ?? null,
    data: options.data ?? null,
    at: now,
  });
  return updated;
}

/** Records an event that does not change the status (note, message, classification). */
export function recordEvent(
  ctx: CoreContext,
  ticket: Pick<Ticket, 'id'>,
  type: string,
  actor: string,
  options: { note?: string; data?: Record<string, unknown> } = {},
): void {
  addTicketEvent(ctx.store.db, {
    ticketId: ticket.id,
    type,
    actor,
    note: options.note ?? null,
    data: options.data ?? null,
    at: ctx.now(),
  });
}

/** Sets the first-response time the first time an officer's answer reaches the resident. */
export function firstResponsePatch(ctx: CoreContext, ticket: Ticket): TicketPatch {
  return ticket.firstResponseAt === null ? { firstResponseAt: ctx.now() } : {};
}

/** Follows merges to the surviving ticket. */
export function survivingTicket(ctx: CoreContext, ticket: Ticket, getTicket: (id: number) => Ticket | undefined): Ticket {
  let current = ticket;
  for (let hops = 0; current.status === 'merged' && current.mergedInto !== null && hops < 20; hops += 1) {
    const next = getTicket(current.mergedInto);
    if (!next) break;
    current = next;
  }
  return current;
}
