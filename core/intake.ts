// Intake (DESIGN.md "Flow of one message"): one transaction per inbound message that stores it,
// decides what it is, and queues every reply in the outbox. Redelivery of the same
// (channel, externalId) is a no-op.
import type { Logger } from 'pino';
import {
  addTicketEvent,
  attachLooseMessages,
  createTicket,
  findLatestOpenTicket,
  findMessageByExternalId,
  findOrCreateContact,
  findTicketAwaitingRating,
  getTicket,
  hasRecentOutbox,
  insertInboundMessage,
  listTicketFollowers,
  setMessageTicket,
  updateTicket,
  type Contact,
  type Ticket,
} from '../storage/repositories/index.ts';
import { isOfficerCommand, replyToResident, runOfficerCommand } from './commands/officer.ts';
import { parseCommand, parseRating } from './commands/parse.ts';
import { RESIDENT_COMMANDS, residentWordCommand, runResidentCommand } from './commands/resident.ts';
import { isAsyncClassifier, type ClassifiedBy } from './classifier/types.ts';
import type { CoreContext } from './context.ts';
import { isOpen, recordEvent, survivingTicket, transition } from './lifecycle.ts';
import { CATEGORY_LABELS, KIND_LABELS, officerText, residentText, ticketActions } from './messages.ts';
import { computeDeadlines } from './deadlines/sla.ts';
import { handlerLabel, NotificationHold, queueMessage, queueToOfficer, queueToOfficerGroups, queueToResident } from './notify.ts';
import { isDataRightsCommand, refuseDataRightsInGroup } from './privacy/rights.ts';
import { placeLabel } from './gazetteer.ts';
import { decisionFromIds, route } from './router.ts';
import { hasSubstance, truncate, wellFormedMessage } from './text.ts';
import type { InboundMessage, IntakeResult } from './types.ts';

/**
 * A follow-up is acknowledged unless the resident heard from us about the ticket within this period,
 * so a burst of messages gets one answer, not one each.
 */
const FOLLOW_UP_ACK_QUIET_MS = 10 * 60_000;
/** Residents' commands typed by an officer, mapped to the officer's equivalent. */
const OFFICER_ALIASES: Record<string, string | undefined> = { start: 'bantuan', help: 'bantuan', status: 'tiket', cek: 'tiket' };
/** Least time between the intake's commits while messages keep arriving (see IntakeBatcher.schedule). */
const MIN_COMMIT_INTERVAL_MS = 4;
/** Ready messages that make a commit worth doing at once, without that wait. */
const ENOUGH_TO_COMMIT = 8;
/** How much of a resident's text officers see in a chat notification. */
const NOTIFICATION_TEXT_LIMIT = 1500;
/** How much of it a digest line shows. */
const DIGEST_TEXT_LIMIT = 80;

export function ingest(ctx: CoreContext, message: InboundMessage): IntakeResult {
  // Lone surrogates (invalid UTF-16) become U+FFFD once, here, instead of mangled bytes in SQLite.
  const clean = wellFormedMessage(message);
  return ctx.store.transaction(() => ingestInTransaction(ctx, clean));
}

interface Waiting {
  message: InboundMessage;
  /** False while the message's classification is being computed on the classifier's thread. */
  ready: boolean;
  classified?: ClassifiedBy;
  resolve: (result: IntakeResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for concurrent arrivals (a burst of webhook requests): messages submitted in the same
 * event-loop turn are stored in one SQLite transaction, so a burst pays one disk sync per batch
 * instead of one per message; one message that fails rolls back alone (see store).
 * Each promise settles only after the commit, so an HTTP 2xx still means stored. Officers'
 * notifications from the batch go out as digests where a chat would get several (NotificationHold).
 *
 * With a classifier that works on its own thread (BackgroundClassifier), a message that may open a
 * ticket is classified there as it arrives, while the main thread stores earlier ones; messages are
 * still stored in the order they arrived.
 */
export class IntakeBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private lastCommitAt = -Infinity;

  constructor(
    private readonly ctx: CoreContext,
    private readonly maxBatch = 128,
  ) {}

  submit(message: InboundMessage): Promise<IntakeResult> {
    return new Promise((resolve, reject) => {
      const item: Waiting = { message: wellFormedMessage(message), ready: true, resolve, reject };
      this.waiting.push(item);
      const classifier = this.ctx.classifier;
      if (isAsyncClassifier(classifier) && mayOpenTicket(this.ctx, item.message)) {
        item.ready = false;
        classifier
          .classifyAsync(item.message.text)
          // Without it the transaction classifies the message itself.
          .then((classified) => (item.classified = classified), (error: unknown) => this.ctx.logger.warn({ err: error }, 'classification in the background failed'))
          .finally(() => {
            item.ready = true;
            this.schedule();
          });
        return;
      }
      this.schedule();
    });
  }

  private schedule(): void {
    const ready = this.readyCount();
    if (ready >= this.maxBatch) {
      this.flush();
      return;
    }
    // A commit's disk sync blocks this thread for a millisecond or two: right after one, wait a
    // moment so the next carries several messages instead of one (a steady stream otherwise spends
    // most of its time syncing, and waiting messages queue behind). Once enough are ready to share a
    // commit the wait is cut short: under a burst, waiting would only leave this thread idle.
    if (this.timer !== undefined && ready >= ENOUGH_TO_COMMIT) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.scheduled = false;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = ready >= ENOUGH_TO_COMMIT ? 0 : this.lastCommitAt + MIN_COMMIT_INTERVAL_MS - performance.now();
    if (wait > 0) this.timer = setTimeout(() => this.flush(), wait);
    else setImmediate(() => this.flush());
  }

  /** How many messages at the head of the queue can be stored now (arrival order is kept). */
  private readyCount(): number {
    let count = 0;
    while (count < this.waiting.length && this.waiting[count]?.ready) count += 1;
    return count;
  }

  /** Stores the messages that are ready; called by the scheduler, public for shutdown. */
  flush(): void {
    this.scheduled = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting.splice(0, Math.min(this.readyCount(), this.maxBatch));
    if (batch.length === 0) return;
    if (this.readyCount() > 0) this.schedule();
    let outcomes: Outcome[];
    try {
      try {
        outcomes = this.store(batch, false);
      } catch (error) {
        if (batch.length === 1) throw error;
        // One message failed and the whole transaction rolled back: store the batch again with each
        // message in its own savepoint, so only the failing one is lost.
        this.ctx.logger.warn({ err: error, batch: batch.length }, 'a message failed in a batch; storing the batch again one message at a time');
        outcomes = this.store(batch, true);
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    } finally {
      this.lastCommitAt = performance.now();
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome && 'result' in outcome) item.resolve(outcome.result);
      else item.reject(outcome?.error ?? new Error('intake outcome missing'));
    });
  }

  /**
   * Stores a batch in one transaction. Isolated, each message has its own savepoint and a failure is
   * that message's outcome; otherwise a failure throws and rolls back the batch. Savepoints are not
   * free: SQLite copies every page a message changes into a statement journal first, which took
   * about a fifth of the intake's time, so the common case where nothing fails goes without.
   */
  private store(batch: Waiting[], isolated: boolean): Outcome[] {
    const outcomes: Outcome[] = [];
    const hold = new NotificationHold();
    const logger = this.ctx.logger;
    const lines: LogLine[] = [];
    this.ctx.notificationHold = hold;
    this.ctx.logger = heldLogger(logger, lines);
    try {
      this.ctx.store.transaction(() => {
        for (const item of batch) {
          if (!isolated) {
            outcomes.push({ result: ingestInTransaction(this.ctx, item.message, item.classified) });
            continue;
          }
          const mark = hold.mark();
          const logged = lines.length;
          try {
            outcomes.push({ result: this.ctx.store.transaction(() => ingestInTransaction(this.ctx, item.message, item.classified)) });
          } catch (error) {
            hold.rollback(mark);
            lines.length = logged;
            outcomes.push({ error });
          }
        }
        hold.release(this.ctx);
      });
    } finally {
      this.ctx.notificationHold = undefined;
      this.ctx.logger = logger;
    }
    for (const [method, args] of lines) Reflect.apply(logger[method], logger, args);
    return outcomes;
  }
}

const LOG_METHODS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type LogMethod = (typeof LOG_METHODS)[number];
type LogLine = [LogMethod, unknown[]];
const isLogMethod = (property: string | symbol): property is LogMethod => (LOG_METHODS as readonly (string | symbol)[]).includes(property);

/**
 * The logger as the messages of a batch see it: their lines are held and written after the commit,
 * so a batch rolled back and stored again does not log its tickets twice, and a message whose
 * savepoint rolled back logs nothing it did not do (the channel logs why it was not stored). Lines
 * at levels the logger leaves out are not held. A line's time is when it is written.
 */
function heldLogger(logger: Logger, lines: LogLine[]): Logger {
  return new Proxy(logger, {
    get(target, property, receiver) {
      if (isLogMethod(property)) {
        return (...args: unknown[]) => {
          if (target.isLevelEnabled(property)) lines.push([property, args]);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

type Outcome = { result: IntakeResult } | { error: unknown };

/**
 * Whether a message could open a ticket, judged before its transaction: a resident's private message
 * with something to read that is not a command. (A follow-up passes too; its classification is unused.)
 */
function mayOpenTicket(ctx: CoreContext, message: InboundMessage): boolean {
  return (
    !message.chat.isGroup &&
    hasSubstance(message.text) &&
    parseCommand(message.text) === undefined &&
    ctx.officers.byContact(message.channel, message.sender.id) === undefined
  );
}

function ingestInTransaction(ctx: CoreContext, message: InboundMessage, classified?: ClassifiedBy): IntakeResult {
  const db = ctx.store.db;
  const now = ctx.now();
  const text = message.text;
  const { contact, created } = findOrCreateContact(db, message.channel, message.sender.id, message.sender.displayName, now);
  const messageId = insertInboundMessage(db, {
    channel: message.channel,
    externalId: message.externalId,
    chatId: message.chat.id,
    senderId: message.sender.id,
    contactId: contact.id,
    text,
    attachments: message.attachments.length > 0 ? message.attachments : null,
    replyToExternalId: message.replyTo ?? null,
    at: message.receivedAt.getTime(),
  });
  if (messageId === undefined) return { duplicate: true, outcome: 'duplicate' };

  const officer = ctx.officers.byContact(message.channel, message.sender.id);
  const command = parseCommand(text);
  const repliedTo = message.replyTo ? findMessageByExternalId(db, message.channel, message.replyTo) : undefined;
  const repliedTicket =
    repliedTo?.direction === 'out' && repliedTo.ticketId !== null ? getTicket(db, repliedTo.ticketId) : undefined;

  if (officer) {
    if (command) {
      // Officers who type the residents' commands get their own equivalents.
      const alias = OFFICER_ALIASES[command.name];
      runOfficerCommand(ctx, officer, message, alias ? { ...command, name: alias, rest: '' } : command);
      return { duplicate: false, outcome: 'officer_command' };
    }
    // Replying to a notification answers the resident, like /balas.
    if (repliedTicket && repliedTo?.purpose?.startsWith('notify_') && hasSubstance(text)) {
      setMessageTicket(db, messageId, repliedTicket.id);
      replyToResident(ctx, officer, message, repliedTicket, text);
      return { duplicate: false, outcome: 'officer_command', ticketCode: repliedTicket.code };
    }
    if (!message.chat.isGroup) {
      // Free text from an officer is most likely a misplaced answer: say how to answer instead of
      // opening a ticket in the officer's name.
      queueMessage(ctx, {
        channel: message.channel,
        chatId: message.chat.id,
        text: officerText.privateHint(),
        purpose: 'command_reply',
        replyTo: message.externalId,
      });
      return { duplicate: false, outcome: 'ignored' };
    }
  }
  if (message.chat.isGroup) {
    // Group chats are for officers; residents report in private chats.
    if (command && isOfficerCommand(command.name)) {
      // Not queueToResident: the privacy notice is for private chats, not for the officers' group.
      queueMessage(ctx, {
        channel: message.channel,
        chatId: message.chat.id,
        text: residentText.officersOnly(command.raw, message.sender.id),
        purpose: 'refusal',
        replyTo: message.externalId,
      });
    } else if (command && isDataRightsCommand(command.name)) {
      refuseDataRightsInGroup(ctx, message, command.raw);
    }
    return { duplicate: false, outcome: 'ignored' };
  }

  const target = { channel: message.channel, chatId: message.chat.id };
  const reply = (body: string, purpose: string, ticketId?: number) =>
    queueToResident(ctx, contact.id, target, body, purpose, { replyTo: message.externalId, ticketId });

  if (command) {
    if ((RESIDENT_COMMANDS as readonly string[]).includes(command.name)) {
      runResidentCommand(ctx, contact.id, message, command.name);
    } else if (isOfficerCommand(command.name)) {
      ctx.logger.info({ channel: message.channel, command: command.name }, 'officer command refused: sender is not a registered officer');
      reply(residentText.officersOnly(command.raw, message.sender.id), 'refusal');
    } else {
      reply(`${residentText.unknownCommand(command.raw)}\n\n${residentText.help()}`, 'help');
    }
    return { duplicate: false, outcome: 'resident_command' };
  }
  const wordCommand = residentWordCommand(text);
  if (wordCommand) {
    runResidentCommand(ctx, contact.id, message, wordCommand);
    return { duplicate: false, outcome: 'resident_command' };
  }

  const rating = parseRating(text);
  if (rating !== undefined) {
    const awaiting = findTicketAwaitingRating(db, contact.id);
    if (awaiting) {
      setMessageTicket(db, messageId, awaiting.id);
      const closed = transition(ctx, awaiting, 'closed', `contact:${contact.id}`, {
        patch: { rating, closedAt: now },
        data: { rating },
      });
      reply(residentText.ratingThanks(closed.code, rating), 'rating_thanks', closed.id);
      if (closed.assignee) {
        const assignee = ctx.officers.byId(closed.assignee);
        if (assignee) queueToOfficer(ctx, assignee, officerText.rated(closed.code, rating), 'notify_rated', { ticketId: closed.id });
      }
      return { duplicate: false, outcome: 'rating', ticketCode: closed.code };
    }
  }

  const thread = findThread(ctx, contact, created, repliedTicket, now);
  const substantive = hasSubstance(text);
  if (thread) {
    return addFollowUp(ctx, contact, message, messageId, thread, substantive);
  }
  if (!substantive) {
    // Stickers, emoji, voice notes without text: kept, and the resident is asked to write.
    reply(message.attachments.length === 0 && text.trim() === '' ? residentText.emptyMessage() : residentText.needsText(), 'needs_text');
    return { duplicate: false, outcome: 'needs_text' };
  }
  const ticket = openTicket(ctx, contact, message, messageId, created, classified);
  return { duplicate: false, outcome: 'new_ticket', ticketCode: ticket.code };
}

/** The ticket a resident's message continues, if any: the one it replies to, else a recent open one. */
function findThread(ctx: CoreContext, contact: Contact, newContact: boolean, repliedTicket: Ticket | undefined, now: number): Ticket | undefined {
  const db = ctx.store.db;
  if (repliedTicket) {
    const ticket = survivingTicket(ctx, repliedTicket, (id) => getTicket(db, id));
    const follows =
      ticket.contactId === contact.id ||
      listTicketFollowers(db, ticket.id).some((follower) => follower.contactId === contact.id);
    // An anonymised ticket's chat is a hash: nothing could reach the resident, so it is not continued.
    if (follows && ticket.anonymizedAt === null && (isOpen(ticket) || ticket.status === 'resolved')) return ticket;
  }
  // A resident writing for the first time has no ticket yet.
  if (newContact) return undefined;
  const windowMs = ctx.profile.threading.window_minutes * 60_000;
  const open = findLatestOpenTicket(db, contact.id);
  if (open && now - open.lastActivityAt <= windowMs) return open;
  return undefined;
}

function addFollowUp(
  ctx: CoreContext,
  contact: Contact,
  message: InboundMessage,
  messageId: number,
  ticket: Ticket,
  substantive: boolean,
): IntakeResult {
  const db = ctx.store.db;
  const now = ctx.now();
  setMessageTicket(db, messageId, ticket.id);
  let current: Ticket;
  if (ticket.status === 'resolved') {
    // A resident answering the resolution ("belum beres") reopens the matter.
    current = transition(ctx, ticket, 'in_progress', `contact:${contact.id}`, {
      note: 'dibuka kembali oleh pelapor',
      patch: { ratingRequestedAt: null, resolvedAt: null },
    });
    queueToResident(ctx, contact.id, { channel: message.channel, chatId: message.chat.id }, residentText.reopened(ticket.code), 'reopened', {
      ticketId: ticket.id,
      replyTo: message.externalId,
    });
  } else {
    // A location shared after the report places the ticket, unless it already has a place.
    const location = message.attachments.find((a) => a.kind === 'location' && a.latitude !== undefined && a.longitude !== undefined);
    const place = location && ticket.latitude === null ? { latitude: location.latitude ?? null, longitude: location.longitude ?? null } : {};
    current = updateTicket(db, ticket.id, { lastActivityAt: now, ...place });
    recordEvent(ctx, ticket, 'resident_message', `contact:${contact.id}`, {
      data: { messageId, attachments: message.attachments.length },
    });
    if (substantive && !hasRecentOutbox(db, ticket.id, ['ack', 'follow_up_ack', 'reopened'], now - FOLLOW_UP_ACK_QUIET_MS)) {
      queueToResident(ctx, contact.id, { channel: message.channel, chatId: message.chat.id }, residentText.followUpAdded(ticket.code), 'follow_up_ack', {
        ticketId: ticket.id,
        replyTo: message.externalId,
      });
    }
  }
  const attachmentNote = message.attachments.length > 0 ? `\n[+${message.attachments.map((a) => a.kind).join(', ')}]` : '';
  const body = officerText.followUp(current.code, truncate(message.text, NOTIFICATION_TEXT_LIMIT) + attachmentNote);
  notifyHandlers(ctx, current, body, 'notify_follow_up', officerText.digestFollowUp(current.code, digestExcerpt(message.text, attachmentNote)));
  return { duplicate: false, outcome: 'follow_up', ticketCode: current.code };
}

/** Tells whoever handles the ticket (or sorts the queue) about it. */
function notifyHandlers(ctx: CoreContext, ticket: Ticket, body: string, purpose: string, digestLine: string): void {
  const assignee = ticket.assignee ? ctx.officers.byId(ticket.assignee) : undefined;
  const extra = { ticketId: ticket.id, urgent: ticket.urgent, digestLine };
  if (assignee) queueToOfficer(ctx, assignee, body, purpose, extra);
  if (ticket.confidential) return;
  if (!assignee) {
    for (const role of ctx.profile.triage.queue_roles) {
      for (const sorter of ctx.officers.withRole(role)) queueToOfficer(ctx, sorter, body, purpose, extra);
    }
  }
  queueToOfficerGroups(ctx, body, purpose, extra);
}

/** A resident's text shortened to one digest line. */
function digestExcerpt(text: string, attachmentNote: string): string {
  return `"${truncate(text, DIGEST_TEXT_LIMIT)}"${attachmentNote.replace('\n', ' ')}`;
}

function openTicket(
  ctx: CoreContext,
  contact: Contact,
  message: InboundMessage,
  messageId: number,
  newContact: boolean,
  classified: ClassifiedBy | undefined,
): Ticket {
  const db = ctx.store.db;
  const now = ctx.now();
  const text = message.text;
  const { classification, classifier, routed } = classified ?? { classification: ctx.classifier.classify(text), classifier: ctx.classifier.name };
  // Worked out on the classifier's thread when it knows the profile; else here.
  const place = routed?.place ?? ctx.gazetteer.locate(text);
  const decision =
    (routed && decisionFromIds(ctx.officers, routed.decision)) ?? route(ctx.profile, ctx.officers, classification, place, text);
  const location = message.attachments.find((a) => a.kind === 'location' && a.latitude !== undefined);
  const status = decision.assignee ? 'assigned' : 'new';
  const deadlines = computeDeadlines(ctx.profile, ctx.calendar, { category: classification.category, createdAt: now });
  const ticket = createTicket(db, ctx.profile.village.code_prefix, {
    contactId: contact.id,
    channel: message.channel,
    chatId: message.chat.id,
    summary: truncate(text, 280),
    category: classification.category,
    kind: classification.kind,
    confidence: classification.confidence,
    status,
    urgent: decision.urgent,
    confidential: decision.confidential,
    needsTriage: decision.needsTriage,
    dusun: place.dusun ?? null,
    rw: place.rw ?? null,
    rt: place.rt ?? null,
    latitude: location?.latitude ?? null,
    longitude: location?.longitude ?? null,
    assignee: decision.assignee?.id ?? null,
    createdAt: now,
    lastActivityAt: now,
    responseDueAt: deadlines.responseDueAt,
    resolutionDueAt: deadlines.resolutionDueAt,
  });
  setMessageTicket(db, messageId, ticket.id);
  // Attachments the resident sent just before writing (a photo, a voice note) belong to this ticket;
  // a resident writing for the first time has sent nothing before.
  if (!newContact) attachLooseMessages(db, contact.id, now - ctx.profile.threading.window_minutes * 60_000, ticket.id);
  addTicketEvent(db, {
    ticketId: ticket.id,
    type: 'status',
    actor: 'system',
    fromStatus: null,
    toStatus: status,
    note: decision.reasons.join('; '),
    data: {
      classifier,
      category: classification.category,
      confidence: classification.confidence,
      alternatives: classification.alternatives,
      kind: classification.kind,
      assignee: decision.assignee?.id ?? null,
      notified: decision.notify.map((officer) => officer.id),
    },
    at: now,
  });

  const ack = decision.confidential
    ? residentText.confidentialAcknowledgement(ticket.code)
    : residentText.acknowledgement(
        ticket.code,
        CATEGORY_LABELS[classification.category],
        handlerLabel(ctx, decision.assignee?.id),
        decision.urgent,
      );
  queueToResident(ctx, contact, { channel: message.channel, chatId: message.chat.id }, ack, 'ack', {
    ticketId: ticket.id,
    replyTo: message.externalId,
    urgent: decision.urgent,
  });

  const attachmentNote = message.attachments.length > 0 ? `\n[+${message.attachments.map((a) => a.kind).join(', ')}]` : '';
  const placeText = placeLabel(ctx.profile, place);
  const notification = officerText.notification({
    code: ticket.code,
    kindLabel: KIND_LABELS[classification.kind],
    categoryLabel: classification.category,
    confidence: classification.confidence,
    // Alternatives the model gives under 5% only clutter the notification.
    alternatives: classification.alternatives
      .filter((alt) => alt.category !== classification.category && alt.confidence >= 0.05)
      .map((alt) => `${alt.category} ${Math.round(alt.confidence * 100)}%`),
    place: placeText,
    urgent: decision.urgent,
    confidential: decision.confidential,
    needsTriage: decision.needsTriage,
    assigneeLabel: decision.assignee ? ctx.officers.label(decision.assignee) : undefined,
    text: truncate(text, NOTIFICATION_TEXT_LIMIT) + attachmentNote,
    reporterLabel: contact.displayName ?? `${contact.channel}:${contact.externalId}`,
  });
  const extra = {
    ticketId: ticket.id,
    urgent: decision.urgent,
    actions: ticketActions(ticket.code),
    digestLine: officerText.digestNew(ticket.code, classification.category, placeText, digestExcerpt(text, attachmentNote)),
  };
  if (decision.assignee) queueToOfficer(ctx, decision.assignee, notification, 'notify_new', extra);
  for (const officer of decision.notify) queueToOfficer(ctx, officer, notification, 'notify_new', extra);
  if (decision.notifyGroups) queueToOfficerGroups(ctx, notification, 'notify_new', extra);
  ctx.logger.info(
    { ticket: ticket.code, category: classification.category, assignee: decision.assignee?.id, triage: decision.needsTriage },
    'ticket created',
  );
  return ticket;
}
