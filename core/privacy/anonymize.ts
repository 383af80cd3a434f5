// Anonymising a ticket or a contact: identifiers (chat ids, account ids, and message ids that embed
// them) become the keyed hash, and texts lose phone numbers, NIK, e-mails, the residents' names and
// their identifiers. Counts, categories, dates, response times and ratings are not touched, so every
// figure computed from them stays the same. Used by retention (core/privacy/retention.ts) and by a
// resident's deletion request (core/privacy/rights.ts); callers hold the transaction.
import {
  anonymizeContactRow,
  findContact,
  findMessageByExternalId,
  getContact,
  listContactMessages,
  listOutboxOf,
  listTicketCorrections,
  listTicketFollowers,
  listTicketMessages,
  listTicketNotes,
  mergeContactInto,
  patchMessage,
  patchOutbox,
  setCorrectionText,
  setEventNote,
  setFollowerChat,
  updateTicket,
  type Contact,
  type MessagePatch,
  type OutboxPatch,
  type OutboxRow,
  type StoredMessage,
  type Ticket,
} from '../../storage/repositories/index.ts';
import type { CoreContext } from '../context.ts';
import { createScrubber, namesIntroducedIn, REDACTED, type Scrubber } from '../summary/scrub.ts';
import { isAnonymous, keyedHash } from './key.ts';

/** A channel identity in clear: an account id or a chat id. */
export interface Identity {
  channel: string;
  id: string;
}

/** Identifiers shorter than this are replaced only where they are a whole field, never inside text. */
const MIN_EMBEDDED_ID = 4;
const WORD_CHARACTER = /[\p{L}\p{N}]/u;

/**
 * Replaces each form (longest first) where it stands on its own, not inside a longer word or number.
 * Plain searching: a regular expression built per resident would cost more to compile than to run.
 */
function replaceForms(value: string, forms: readonly string[], replacement: (form: string) => string): string {
  let result = value;
  for (const form of forms) {
    for (let at = result.indexOf(form); at !== -1; ) {
      const before = result[at - 1];
      const after = result[at + form.length];
      if ((before !== undefined && WORD_CHARACTER.test(before)) || (after !== undefined && WORD_CHARACTER.test(after))) {
        at = result.indexOf(form, at + 1);
        continue;
      }
      const replaced = replacement(form);
      result = result.slice(0, at) + replaced + result.slice(at + form.length);
      at = result.indexOf(form, at + replaced.length);
    }
  }
  return result;
}

/** Rewrites ids and texts for a set of identities and names. */
export class Anonymizer {
  private readonly hashes = new Map<string, string>();
  private readonly forms: string[];
  private readonly scrubber: Scrubber;

  constructor(key: Buffer, identities: readonly Identity[], names: readonly string[], keep: readonly string[]) {
    for (const identity of identities) {
      if (isAnonymous(identity.id) || this.hashes.has(identity.id)) continue;
      const hash = keyedHash(key, identity.channel, identity.id);
      this.hashes.set(identity.id, hash);
      // A WhatsApp id "6281234567890@c.us" also appears as the bare number.
      const local = identity.id.split('@')[0];
      if (local && local !== identity.id && local.length >= MIN_EMBEDDED_ID && !this.hashes.has(local)) this.hashes.set(local, hash);
    }
    this.forms = [...this.hashes.keys()].filter((form) => form.length >= MIN_EMBEDDED_ID).sort((a, b) => b.length - a.length);
    this.scrubber = createScrubber({ names, keep });
  }

  /** An id field: the identity itself, or a message id that embeds it, gets the hash in its place. */
  id(value: string): string {
    const whole = this.hashes.get(value);
    if (whole) return whole;
    return replaceForms(value, this.forms, (form) => this.hashes.get(form) ?? form);
  }

  /** A text: identifiers, phone numbers, NIK, e-mails and names go. */
  text(value: string): string {
    return this.scrubber.scrub(replaceForms(value, this.forms, () => REDACTED));
  }

  nullableId(value: string | null): string | null {
    return value === null ? null : this.id(value);
  }

  nullableText(value: string | null): string | null {
    return value === null ? null : this.text(value);
  }
}

/** Only the fields that change, so an already anonymised row is left as it is. */
function changed<T extends Record<string, unknown>>(row: T, patch: Partial<T>): Partial<T> {
  return Object.fromEntries(
    Object.entries(patch).filter(([field, value]) => JSON.stringify(value) !== JSON.stringify(row[field])),
  ) as Partial<T>;
}

export function anonymizeMessage(anonymizer: Anonymizer, ctx: CoreContext, message: StoredMessage): void {
  const patch: MessagePatch = {
    text: anonymizer.text(message.text),
    chatId: anonymizer.id(message.chatId),
    senderId: anonymizer.nullableId(message.senderId),
    externalId: anonymizer.id(message.externalId),
    replyToExternalId: anonymizer.nullableId(message.replyToExternalId),
    attachments:
      message.attachments?.map((attachment) =>
        attachment.caption === undefined ? attachment : { ...attachment, caption: anonymizer.text(attachment.caption) },
      ) ?? null,
  };
  patchMessage(ctx.store.db, message.id, changed(message, patch));
}

export function anonymizeOutboxRow(anonymizer: Anonymizer, ctx: CoreContext, row: OutboxRow): void {
  const patch: OutboxPatch = {
    text: anonymizer.text(row.text),
    chatId: anonymizer.id(row.chatId),
    platformMessageId: anonymizer.nullableId(row.platformMessageId),
    replyToExternalId: anonymizer.nullableId(row.replyToExternalId),
    lastError: anonymizer.nullableText(row.lastError),
  };
  patchOutbox(ctx.store.db, row.id, changed(row, patch));
}

/** Words that stay even when a resident's name contains them: the village's own place names. */
function placeWords(ctx: CoreContext): string[] {
  const { village, dusun } = ctx.profile;
  return [village.name, village.kecamatan, village.kabupaten, ...dusun.flatMap((d) => [d.name, ...d.aliases])];
}

/** Per run: each contact's identities and names, looked up once. */
export class PersonalDataIndex {
  private readonly byContact = new Map<number, { identities: Identity[]; names: string[] }>();
  private readonly anonymizers = new Map<string, Anonymizer>();
  readonly keep: string[];

  /**
   * `withPending`: also rewrite outbox rows still waiting (retention, where they are years old). A
   * deletion leaves them: the only ones left then are its own "data deleted" message and notices.
   */
  constructor(
    private readonly ctx: CoreContext,
    readonly withPending: boolean,
  ) {
    this.keep = placeWords(ctx);
  }

  /** The contact's account id (while still in clear), the chats they wrote from, their display name and the names they gave. */
  contact(contactId: number): { identities: Identity[]; names: string[] } {
    const cached = this.byContact.get(contactId);
    if (cached) return cached;
    const contact = getContact(this.ctx.store.db, contactId);
    const identities: Identity[] = [];
    const names: string[] = [];
    if (contact) {
      identities.push({ channel: contact.channel, id: contact.externalId });
      if (contact.displayName) names.push(contact.displayName);
    }
    for (const message of listContactMessages(this.ctx.store.db, contactId)) {
      if (message.direction !== 'in') continue;
      // A private chat's id is the sender's id or is built from it (X: "dm:<id>"); a group's is not,
      // and a group (the officers' one, say) is nobody's personal data.
      if (message.senderId !== null && message.chatId.includes(message.senderId)) {
        identities.push({ channel: message.channel, id: message.chatId });
      }
      names.push(...namesIntroducedIn(message.text));
    }
    const entry = { identities, names };
    this.byContact.set(contactId, entry);
    return entry;
  }

  anonymizer(contactIds: readonly number[], extra: readonly Identity[] = []): Anonymizer {
    const cacheKey = JSON.stringify([contactIds, extra]);
    const cached = this.anonymizers.get(cacheKey);
    if (cached) return cached;
    const identities = [...extra];
    const names: string[] = [];
    for (const id of contactIds) {
      const entry = this.contact(id);
      identities.push(...entry.identities);
      names.push(...entry.names);
    }
    const anonymizer = new Anonymizer(this.ctx.privacyKey(), identities, names, this.keep);
    this.anonymizers.set(cacheKey, anonymizer);
    return anonymizer;
  }
}

/**
 * Anonymises one ticket: its summary and reasons, its reporter's and followers' chat ids, the texts
 * and ids of its messages, its internal notes, its sent outbox rows and its classifier corrections.
 */
export function anonymizeTicket(ctx: CoreContext, index: PersonalDataIndex, ticket: Ticket): void {
  const db = ctx.store.db;
  const followers = listTicketFollowers(db, ticket.id);
  const anonymizer = index.anonymizer(
    [ticket.contactId, ...followers.map((follower) => follower.contactId)],
    [{ channel: ticket.channel, id: ticket.chatId }, ...followers.map((follower) => ({ channel: follower.channel, id: follower.chatId }))],
  );
  for (const follower of followers) setFollowerChat(db, ticket.id, follower.contactId, anonymizer.id(follower.chatId));
  for (const message of listTicketMessages(db, ticket.id)) anonymizeMessage(anonymizer, ctx, message);
  for (const event of listTicketNotes(db, ticket.id)) setEventNote(db, event.id, anonymizer.text(event.note ?? ''));
  const outboxRows = listOutboxOf(db, { ticketId: ticket.id }, index.withPending);
  // Officers' commands about the ticket ("/catatan 12 Pak Budi minta ditelepon") are not linked to it;
  // the answers they got are, and name the command they answer. Done before those answers change.
  for (const row of outboxRows) {
    const command = row.replyToExternalId ? findMessageByExternalId(db, row.channel, row.replyToExternalId) : undefined;
    if (command?.direction === 'in' && command.ticketId === null) anonymizeMessage(anonymizer, ctx, command);
  }
  for (const row of outboxRows) anonymizeOutboxRow(anonymizer, ctx, row);
  for (const correction of listTicketCorrections(db, ticket.id)) setCorrectionText(db, correction.id, anonymizer.text(correction.text));
  updateTicket(db, ticket.id, {
    summary: anonymizer.text(ticket.summary),
    closeReason: anonymizer.nullableText(ticket.closeReason),
    referredTo: anonymizer.nullableText(ticket.referredTo),
    chatId: anonymizer.id(ticket.chatId),
    anonymizedAt: ctx.now(),
  });
}

/**
 * Anonymises a contact: every message from or to them, their sent outbox rows, and the contact
 * itself (account id -> keyed hash, no display name). The same person anonymised before (they wrote
 * again afterwards) is merged into that earlier anonymous contact, so they still count once.
 */
export function anonymizeContact(
  ctx: CoreContext,
  index: PersonalDataIndex,
  contact: Contact,
  options: { deletionRequestedAt?: number } = {},
): void {
  const db = ctx.store.db;
  const anonymizer = index.anonymizer([contact.id]);
  // Before the messages change: their chat ids find the contact's outbox rows.
  const outboxRows = listOutboxOf(db, { contactId: contact.id, chats: index.contact(contact.id).identities }, index.withPending);
  for (const message of listContactMessages(db, contact.id)) anonymizeMessage(anonymizer, ctx, message);
  for (const row of outboxRows) anonymizeOutboxRow(anonymizer, ctx, row);
  const externalId = anonymizer.id(contact.externalId);
  const earlier = externalId !== contact.externalId ? findContact(db, contact.channel, externalId) : undefined;
  anonymizeContactRow(db, contact.id, {
    // The row keeps its id in clear for a moment when it is merged: the unique index allows one hash per channel.
    externalId: earlier ? contact.externalId : externalId,
    anonymizedAt: ctx.now(),
    ...(options.deletionRequestedAt !== undefined ? { deletionRequestedAt: options.deletionRequestedAt } : {}),
  });
  if (earlier) mergeContactInto(db, contact.id, earlier.id);
}
