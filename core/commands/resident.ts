// What a resident can ask for by command: status of their tickets, help, the greeting.
import { listContactTickets } from '../../storage/repositories/index.ts';
import type { CoreContext } from '../context.ts';
import { residentText } from '../messages.ts';
import { queueToResident } from '../notify.ts';
import { truncate } from '../text.ts';
import type { InboundMessage } from '../types.ts';
import { confirmDeletion, requestDeletion, sendDataExport } from '../privacy/rights.ts';
import { parseCommand } from './parse.ts';

export const RESIDENT_COMMANDS = ['start', 'status', 'cek', 'bantuan', 'help', 'dataku', 'hapus'] as const;

/** The confirmation of a deletion request: only ever a plain word, never a slash command. */
const CONFIRM_DELETION = 'ya_hapus';

/** Longer than any word command with its spacing and punctuation. */
const WORD_COMMAND_MAX_LENGTH = 64;

/** Plain words that mean a command when they are the whole message. */
export function residentWordCommand(text: string): 'status' | 'bantuan' | 'dataku' | 'hapus' | typeof CONFIRM_DELETION | undefined {
  const trimmed = text.trim();
  // The longest is "hapus data pribadi saya": a longer text is a report, not worth lower-casing whole.
  if (trimmed.length > WORD_COMMAND_MAX_LENGTH) return undefined;
  const word = trimmed.toLowerCase().replace(/\s+/g, ' ').replace(/[.!?]+$/, '');
  if (['status', 'cek', 'cek status', 'cek laporan', 'status laporan'].includes(word)) return 'status';
  if (['bantuan', 'help', 'menu'].includes(word)) return 'bantuan';
  if (['data saya', 'dataku', 'lihat data saya', 'data pribadi saya', 'lihat dataku'].includes(word)) return 'dataku';
  if (['hapus data saya', 'hapus dataku', 'hapus data pribadi saya'].includes(word)) return 'hapus';
  if (word === 'ya hapus') return CONFIRM_DELETION;
  return undefined;
}

export function runResidentCommand(
  ctx: CoreContext,
  contactId: number,
  message: InboundMessage,
  name: string,
): void {
  const target = { channel: message.channel, chatId: message.chat.id };
  const reply = (text: string, purpose: string) =>
    queueToResident(ctx, contactId, target, text, purpose, { replyTo: message.externalId });
  switch (name) {
    case 'start':
      reply(`${residentText.welcome(ctx.profile.village.name)}\n\n${residentText.help()}`, 'welcome');
      return;
    case 'status':
    case 'cek': {
      const tickets = listContactTickets(ctx.store.db, contactId);
      reply(
        tickets.length === 0
          ? residentText.statusNone()
          : residentText.statusList(
              tickets.map((ticket) => residentText.statusLine(ticket.code, ticket.status, truncate(ticket.summary, 60))),
            ),
        'status',
      );
      return;
    }
    case 'dataku':
      sendDataExport(ctx, contactId, message, parseCommand(message.text)?.rest ?? '', reply);
      return;
    case 'hapus':
      requestDeletion(ctx, contactId, parseCommand(message.text)?.rest ?? '', reply);
      return;
    case CONFIRM_DELETION:
      confirmDeletion(ctx, contactId, message, reply);
      return;
    default:
      reply(residentText.help(), 'help');
  }
}
