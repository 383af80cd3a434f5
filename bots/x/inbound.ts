// Turns X mention tweets and DM events into core InboundMessage values. Pure functions: no API calls.
//
// Addresses. Core answers to `chat.id`, so the chat id says how the answer must travel:
// - a mention is chat `mention:<tweet id>:<author id>`: the answer is a public reply to that tweet
//   (short, code only), and later follow-ups can go to the author by DM;
// - a DM is chat `dm:<partner id>`: the answer is a DM to that person.
// The sender is always the author's numeric user id, so one resident is one contact across both.
//
// Which mentions count. The mentions timeline also returns tweets that merely carry our handle
// (a retweet, a reply deep in a thread between other people: X prefixes every reply with the
// handles of the thread). A tweet counts when it is not a retweet, not written by the village, and
// either replies to the village itself, or our handle appears in the text the author typed: for a
// reply that is the text after the leading run of inherited @handles, for a new tweet the whole text.
import type { ApiV2Includes, TweetV2, UserV2 } from 'twitter-api-v2';
import type { Attachment, InboundMessage } from '../../core/types.ts';

export const X_CHANNEL = 'x';

/** A v2 `dm_events` item (twitter-api-v2 1.29.1 does not export its own type for it). */
export interface XDmEvent {
  id: string;
  event_type: string;
  text?: string;
  sender_id?: string;
  dm_conversation_id?: string;
  created_at?: string;
  attachments?: { media_keys?: string[] };
}

export interface XAccount {
  id: string;
  /** Without "@". */
  handle: string;
}

export type XChat = { kind: 'mention'; tweetId: string; authorId: string | undefined } | { kind: 'dm'; userId: string } | { kind: 'post' };

export const mentionChatId = (tweetId: string, authorId: string): string => `mention:${tweetId}:${authorId}`;
export const dmChatId = (userId: string): string => `dm:${userId}`;
export const tweetKey = (tweetId: string): string => `tweet:${tweetId}`;
export const dmKey = (eventId: string): string => `dm:${eventId}`;

/** What a chat id asks for; anything that is not a mention or DM address is a post on the village's own timeline. */
export function parseChatId(chatId: string): XChat {
  const mention = /^mention:(\d+)(?::(\d+))?$/.exec(chatId);
  if (mention?.[1]) return { kind: 'mention', tweetId: mention[1], authorId: mention[2] };
  const dm = /^dm:(\d+)$/.exec(chatId);
  if (dm?.[1]) return { kind: 'dm', userId: dm[1] };
  return { kind: 'post' };
}

/** X sends text with &amp; &lt; &gt; escaped. */
function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A handle mention as a whole word ("@desa" but not "@desa_lain"). */
function handlePattern(handle: string, flags = 'i'): RegExp {
  return new RegExp(`(^|[^A-Za-z0-9_])@${escapeRegExp(handle)}(?![A-Za-z0-9_])`, flags);
}

const LEADING_HANDLES = /^(?:\s*@[A-Za-z0-9_]{1,15})+\s*/;

function isReply(tweet: TweetV2): boolean {
  return tweet.in_reply_to_user_id !== undefined || (tweet.referenced_tweets ?? []).some((ref) => ref.type === 'replied_to');
}

/** Why a mention is not an aspiration, or undefined when it is one. */
export function ignoreReason(tweet: TweetV2, account: XAccount): string | undefined {
  if (tweet.author_id === account.id) return 'own tweet';
  if ((tweet.referenced_tweets ?? []).some((ref) => ref.type === 'retweeted')) return 'retweet';
  const text = decodeEntities(fullText(tweet));
  if (isReply(tweet)) {
    if (tweet.in_reply_to_user_id === account.id) return undefined;
    const typed = text.replace(LEADING_HANDLES, '');
    return handlePattern(account.handle).test(typed) ? undefined : 'reply between other users';
  }
  return handlePattern(account.handle).test(text) ? undefined : 'does not mention the village';
}

function fullText(tweet: TweetV2): string {
  // Posts longer than 280 characters come whole only in note_tweet.
  return tweet.note_tweet?.text ?? tweet.text;
}

/** The text without our handle and, for replies, without the inherited leading handles. */
export function cleanMentionText(tweet: TweetV2, account: XAccount): string {
  let text = decodeEntities(fullText(tweet));
  if (isReply(tweet)) text = text.replace(LEADING_HANDLES, '');
  text = text.replace(handlePattern(account.handle, 'gi'), '$1');
  // "Tolong @desa, jalan..." -> "Tolong, jalan...": no stray space where the handle was.
  return text.replace(/[ \t]+/g, ' ').replace(/ *\n */g, '\n').replace(/ +([,.;:!?])/g, '$1').trim();
}

function authorOf(tweet: TweetV2, includes: ApiV2Includes | undefined): UserV2 | undefined {
  return includes?.users?.find((user) => user.id === tweet.author_id);
}

function displayName(user: UserV2 | undefined): string | undefined {
  if (!user) return undefined;
  return user.name ? `${user.name} (@${user.username})` : `@${user.username}`;
}

function mediaAttachments(mediaKeys: readonly string[] | undefined, includes: ApiV2Includes | undefined): Attachment[] {
  return (mediaKeys ?? []).map((key) => {
    const media = includes?.media?.find((item) => item.media_key === key);
    const kind = media?.type === 'photo' ? 'photo' : media?.type === 'video' || media?.type === 'animated_gif' ? 'video' : 'other';
    return { kind, fileId: key };
  });
}

/** A mention tweet as core sees it; undefined when it is not an aspiration (see ignoreReason). */
export function fromMention(tweet: TweetV2, includes: ApiV2Includes | undefined, account: XAccount, now: Date): InboundMessage | undefined {
  if (!tweet.author_id || ignoreReason(tweet, account)) return undefined;
  const text = cleanMentionText(tweet, account);
  const attachments = mediaAttachments(tweet.attachments?.media_keys, includes);
  if (text === '' && attachments.length === 0) return undefined;
  const name = displayName(authorOf(tweet, includes));
  const repliedTo = (tweet.referenced_tweets ?? []).find((ref) => ref.type === 'replied_to');
  return {
    channel: X_CHANNEL,
    externalId: tweetKey(tweet.id),
    sender: { id: tweet.author_id, ...(name ? { displayName: name } : {}) },
    chat: { id: mentionChatId(tweet.id, tweet.author_id), isGroup: false },
    text,
    attachments,
    ...(repliedTo ? { replyTo: tweetKey(repliedTo.id) } : {}),
    receivedAt: tweet.created_at ? new Date(tweet.created_at) : now,
  };
}

/** A DM event as core sees it; undefined for our own DMs, join/leave events and empty messages. */
export function fromDmEvent(event: XDmEvent, includes: ApiV2Includes | undefined, account: XAccount, now: Date): InboundMessage | undefined {
  if (event.event_type !== 'MessageCreate' || !event.sender_id || event.sender_id === account.id) return undefined;
  const text = decodeEntities(event.text ?? '').trim();
  const attachments = mediaAttachments(event.attachments?.media_keys, includes);
  if (text === '' && attachments.length === 0) return undefined;
  const name = displayName(includes?.users?.find((user) => user.id === event.sender_id));
  return {
    channel: X_CHANNEL,
    externalId: dmKey(event.id),
    sender: { id: event.sender_id, ...(name ? { displayName: name } : {}) },
    chat: { id: dmChatId(event.sender_id), isGroup: false },
    text,
    attachments,
    receivedAt: event.created_at ? new Date(event.created_at) : now,
  };
}

/** Numeric ids of X (snowflakes) compared as numbers; they exceed 2^53, so as BigInt. */
export function compareIds(a: string, b: string): number {
  const left = BigInt(a);
  const right = BigInt(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
