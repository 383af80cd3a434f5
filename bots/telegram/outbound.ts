// Core OutboundMessage values as Telegram sendMessage calls: splitting, buttons, error mapping.
import { TelegramError } from 'telegraf';
import type { InlineKeyboardMarkup } from 'telegraf/types';
import { NetworkError, RemoteApiError } from '../../core/errors.ts';
import type { MessageAction } from '../../core/types.ts';

/** Telegram refuses texts longer than this (in UTF-16 code units after entity parsing). */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** callback_data is limited to 64 bytes. */
const CALLBACK_DATA_LIMIT = 64;

/** Inline buttons for the actions: digits (ratings) in one row, commands two to a row. */
export function inlineKeyboard(actions: readonly MessageAction[]): InlineKeyboardMarkup | undefined {
  const buttons = actions
    // Telegram refuses a button without a label, or with callback_data empty or over 64 bytes: those are left out.
    .filter((action) => action.label.trim() !== '' && action.command !== '' && Buffer.byteLength(action.command, 'utf8') <= CALLBACK_DATA_LIMIT)
    .map((action) => ({ text: action.label, callback_data: action.command }));
  if (buttons.length === 0) return undefined;
  const perRow = buttons.every((button) => /^\d$/.test(button.callback_data)) ? buttons.length : 2;
  const rows: Array<typeof buttons> = [];
  for (let i = 0; i < buttons.length; i += perRow) rows.push(buttons.slice(i, i + perRow));
  return { inline_keyboard: rows };
}

/** Telegram descriptions that mean the chat will never take our messages again. */
const UNREACHABLE = /bot was blocked by the user|user is deactivated|bot was kicked|bot is not a member|chat not found|PEER_ID_INVALID|have no rights to send/i;

/** Maps a failed Bot API call to the error classes the outbox understands. */
export function toSendError(error: unknown): Error {
  if (error instanceof TelegramError) {
    const { error_code: code, description, parameters } = error.response;
    const retryAfter = parameters?.retry_after;
    return new RemoteApiError(description, code, {
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}),
      recipientUnreachable: (code === 403 || code === 400) && UNREACHABLE.test(description),
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new NetworkError(`Telegram unreachable: ${message}`, { cause: error });
}
