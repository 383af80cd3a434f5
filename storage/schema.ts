// Drizzle schema for SQLite. Times are stored as integer milliseconds since the epoch (UTC);
// conversion to Asia/Jakarta happens only where people read them.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** One per channel identity (a Telegram user, a WhatsApp number, a simulator user). */
export const contacts = sqliteTable(
  'contacts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    channel: text('channel').notNull(),
    externalId: text('external_id').notNull(),
    displayName: text('display_name'),
    consentAt: integer('consent_at'),
    privacyNoticeAt: integer('privacy_notice_at'),
    reachable: integer('reachable', { mode: 'boolean' }).notNull().default(true),
    unreachableReason: text('unreachable_reason'),
    /** When the resident asked for their data to be deleted (kept after anonymisation, for officers to see). */
    deletionRequestedAt: integer('deletion_requested_at'),
    /** When the contact's identifiers were replaced by a keyed hash (deletion request or retention). */
    anonymizedAt: integer('anonymized_at'),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [uniqueIndex('contacts_channel_external').on(t.channel, t.externalId)],
);

export const tickets = sqliteTable(
  'tickets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code').notNull().unique(),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id),
    channel: text('channel').notNull(),
    chatId: text('chat_id').notNull(),
    summary: text('summary').notNull(),
    category: text('category').notNull(),
    kind: text('kind').notNull(),
    confidence: real('confidence').notNull(),
    status: text('status').notNull(),
    urgent: integer('urgent', { mode: 'boolean' }).notNull().default(false),
    confidential: integer('confidential', { mode: 'boolean' }).notNull().default(false),
    needsTriage: integer('needs_triage', { mode: 'boolean' }).notNull().default(false),
    dusun: text('dusun'),
    rw: integer('rw'),
    rt: integer('rt'),
    latitude: real('latitude'),
    longitude: real('longitude'),
    assignee: text('assignee'),
    mergedInto: integer('merged_into'),
    referredTo: text('referred_to'),
    closeReason: text('close_reason'),
    createdAt: integer('created_at').notNull(),
    lastActivityAt: integer('last_activity_at').notNull(),
    firstResponseAt: integer('first_response_at'),
    resolvedAt: integer('resolved_at'),
    closedAt: integer('closed_at'),
    ratingRequestedAt: integer('rating_requested_at'),
    rating: integer('rating'),
    /** Deadlines from the working-day calendar, set at creation and when the category changes. */
    responseDueAt: integer('response_due_at'),
    resolutionDueAt: integer('resolution_due_at'),
    /** How far an overdue ticket has been escalated: 0 none, 1.. the steps of the profile's escalation chain. */
    escalationLevel: integer('escalation_level').notNull().default(0),
    escalatedAt: integer('escalated_at'),
    /** Set when retention anonymised the ticket's personal data (contact, names, message texts). */
    anonymizedAt: integer('anonymized_at'),
  },
  (t) => [
    index('tickets_contact_status').on(t.contactId, t.status),
    index('tickets_status_created').on(t.status, t.createdAt),
    index('tickets_assignee_status').on(t.assignee, t.status),
    // The weekly summary's range queries (received, first responses, resolved, closed/rated in a week).
    index('tickets_created_at').on(t.createdAt),
    index('tickets_first_response_at').on(t.firstResponseAt).where(sql`${t.firstResponseAt} is not null`),
    index('tickets_resolved_at').on(t.resolvedAt).where(sql`${t.resolvedAt} is not null`),
    index('tickets_closed_at').on(t.closedAt).where(sql`${t.closedAt} is not null`),
    // Reminders, escalation and the dashboard's overdue filter scan the open tickets through
    // tickets_status_created: indexes led by status and a deadline (migration 0004, dropped in 0005)
    // made SQLite pick them for the officers' open-ticket list and sort (1 ms -> 120 ms at 1M tickets).
  ],
);

/** Residents who follow a ticket besides its reporter (reporters of merged duplicates). */
export const ticketFollowers = sqliteTable(
  'ticket_followers',
  {
    ticketId: integer('ticket_id')
      .notNull()
      .references(() => tickets.id),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id),
    channel: text('channel').notNull(),
    chatId: text('chat_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('ticket_followers_unique').on(t.ticketId, t.contactId)],
);

/** Every inbound and outbound message. Unique on channel + external id, which makes intake idempotent. */
export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    channel: text('channel').notNull(),
    externalId: text('external_id').notNull(),
    direction: text('direction', { enum: ['in', 'out'] }).notNull(),
    chatId: text('chat_id').notNull(),
    senderId: text('sender_id'),
    contactId: integer('contact_id').references(() => contacts.id),
    ticketId: integer('ticket_id').references(() => tickets.id),
    purpose: text('purpose'),
    text: text('text').notNull(),
    attachments: text('attachments', { mode: 'json' }).$type<StoredAttachment[]>(),
    replyToExternalId: text('reply_to_external_id'),
    at: integer('at').notNull(),
  },
  (t) => [
    uniqueIndex('messages_channel_external').on(t.channel, t.externalId),
    index('messages_ticket').on(t.ticketId).where(sql`${t.ticketId} is not null`),
    index('messages_contact').on(t.contactId, t.at),
    index('messages_chat').on(t.channel, t.chatId, t.direction, t.id),
  ],
);

export interface StoredAttachment {
  kind: string;
  fileId?: string;
  mimeType?: string;
  caption?: string;
  latitude?: number;
  longitude?: number;
}

/** A file to send with an outbound message: an image on local disk. */
export interface StoredOutboundAttachment {
  kind: 'photo';
  path: string;
  mimeType: string;
}

/**
 * The parts of a split outbound message already delivered (a photo, then the text's parts), with
 * their platform ids in order: a retry sends only the rest.
 */
export interface StoredSentParts {
  count: number;
  ids: string[];
}

/** A quick action: a button label and the text the button sends on the user's behalf. */
export interface StoredAction {
  label: string;
  command: string;
}

/** Every transition and note of a ticket: who and when. */
export const ticketEvents = sqliteTable(
  'ticket_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ticketId: integer('ticket_id')
      .notNull()
      .references(() => tickets.id),
    type: text('type').notNull(),
    actor: text('actor').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    note: text('note'),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
    at: integer('at').notNull(),
  },
  (t) => [index('ticket_events_ticket').on(t.ticketId, t.id)],
);

export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    channel: text('channel').notNull(),
    chatId: text('chat_id').notNull(),
    text: text('text').notNull(),
    purpose: text('purpose').notNull(),
    ticketId: integer('ticket_id').references(() => tickets.id),
    contactId: integer('contact_id').references(() => contacts.id),
    replyToExternalId: text('reply_to_external_id'),
    /** Quick actions offered with the message (buttons where the channel has them). */
    actions: text('actions', { mode: 'json' }).$type<StoredAction[]>(),
    /** A file sent with the message where the channel can (the weekly summary's chart). */
    attachment: text('attachment', { mode: 'json' }).$type<StoredOutboundAttachment>(),
    /** Parts of a split message delivered by an attempt that then failed or was interrupted. */
    sentParts: text('sent_parts', { mode: 'json' }).$type<StoredSentParts>(),
    urgent: integer('urgent', { mode: 'boolean' }).notNull().default(false),
    state: text('state', { enum: ['pending', 'sending', 'sent', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    platformMessageId: text('platform_message_id'),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
  },
  (t) => [
    index('outbox_due').on(t.state, t.nextAttemptAt),
    index('outbox_chat_state').on(t.channel, t.chatId, t.state, t.id),
    index('outbox_ticket').on(t.ticketId, t.purpose),
    index('outbox_platform_message').on(t.channel, t.platformMessageId).where(sql`${t.platformMessageId} is not null`),
  ],
);

/** Per-channel resume points: Telegram update offsets, X since ids. */
export const channelCursors = sqliteTable('channel_cursors', {
  channel: text('channel').primaryKey(),
  cursor: text('cursor').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Officers' /kategori corrections, the classifier's training signal. */
export const classifierCorrections = sqliteTable('classifier_corrections', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  ticketId: integer('ticket_id')
    .notNull()
    .references(() => tickets.id),
  text: text('text').notNull(),
  predicted: text('predicted').notNull(),
  corrected: text('corrected').notNull(),
  officer: text('officer').notNull(),
  at: integer('at').notNull(),
});

/** One weekly public summary per ISO week (e.g. "2026-W47"), recorded when it is queued for posting. */
export const summaries = sqliteTable('summaries', {
  week: text('week').primaryKey(),
  postedAt: integer('posted_at').notNull(),
  text: text('text').notNull(),
  stats: text('stats', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  /** The chart PNG written for the week; channels cannot attach it yet, so it is kept for later. */
  imagePath: text('image_path'),
});

/**
 * Runs of periodic jobs, one row per job and period (e.g. 'reminders' / '2026-11-30'), so a job runs
 * once per period across restarts and a run missed while the service was down can be made up.
 */
export const jobRuns = sqliteTable(
  'job_runs',
  {
    job: text('job').notNull(),
    period: text('period').notNull(),
    startedAt: integer('started_at').notNull(),
    finishedAt: integer('finished_at'),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.job, t.period] })],
);

/** Residents' data-rights requests (/dataku, /hapus): who and when, never the personal data itself. */
export const dataRequests = sqliteTable(
  'data_requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id),
    kind: text('kind', { enum: ['export', 'delete'] }).notNull(),
    state: text('state', { enum: ['awaiting_confirmation', 'done', 'cancelled', 'expired'] }).notNull(),
    requestedAt: integer('requested_at').notNull(),
    completedAt: integer('completed_at'),
  },
  (t) => [index('data_requests_contact').on(t.contactId, t.state)],
);

/** Officers' dashboard passwords (scrypt hashes), set with a CLI command. */
export const officerCredentials = sqliteTable('officer_credentials', {
  officerId: text('officer_id').primaryKey(),
  passwordHash: text('password_hash').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** One-time login links sent to an officer's own chat; only the token's hash is stored. */
export const loginLinks = sqliteTable('login_links', {
  tokenHash: text('token_hash').primaryKey(),
  officerId: text('officer_id').notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
  usedAt: integer('used_at'),
});

/** Dashboard sessions; only the session token's hash is stored. */
export const webSessions = sqliteTable(
  'web_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    officerId: text('officer_id').notNull(),
    csrfToken: text('csrf_token').notNull(),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('web_sessions_officer').on(t.officerId)],
);
