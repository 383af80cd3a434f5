// Turns a simulator POST body into a core InboundMessage.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { InboundMessage } from '../../core/types.ts';
import { WEB_CHANNEL } from './adapter.ts';

/** Texts beyond this are refused (400, naming the limit) rather than silently cut. */
export const MAX_TEXT_LENGTH = 200_000;

export const simulatorMessageSchema = z.strictObject({
  user: z.string().trim().min(1, 'user must not be empty').max(128),
  text: z.string().max(MAX_TEXT_LENGTH, `text is longer than ${MAX_TEXT_LENGTH} characters`).default(''),
  /** External message id; sending the same id twice is a redelivery. */
  id: z.string().trim().min(1).max(200).optional(),
  name: z.string().trim().min(1).max(128).optional(),
  /** A group chat id (the officers' group); omitted for a private chat with the bot. */
  chat: z.string().trim().min(1).max(128).optional(),
  /** The id of one of the bot's messages this message replies to. */
  replyTo: z.string().trim().min(1).max(200).optional(),
  attachments: z
    .array(
      z.strictObject({
        kind: z.enum(['photo', 'video', 'voice', 'audio', 'document', 'location', 'sticker', 'other']),
        fileId: z.string().max(500).optional(),
        caption: z.string().max(5000).optional(),
        latitude: z.number().min(-90).max(90).optional(),
        longitude: z.number().min(-180).max(180).optional(),
      }),
    )
    .max(10)
    .default([]),
});

export type SimulatorMessage = z.infer<typeof simulatorMessageSchema>;

export function toInboundMessage(body: SimulatorMessage, receivedAt: Date): InboundMessage {
  return {
    channel: WEB_CHANNEL,
    externalId: body.id ?? `web-in-${randomUUID()}`,
    sender: { id: body.user, ...(body.name ? { displayName: body.name } : {}) },
    chat: body.chat ? { id: body.chat, isGroup: true } : { id: body.user, isGroup: false },
    text: body.text,
    attachments: body.attachments,
    ...(body.replyTo ? { replyTo: body.replyTo } : {}),
    receivedAt,
  };
}
