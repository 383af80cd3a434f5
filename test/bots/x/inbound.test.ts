import type { TweetV2 } from 'twitter-api-v2';
import { describe, expect, it } from 'vitest';
import { compareIds, fromDmEvent, fromMention, ignoreReason, parseChatId, type XAccount } from '../../../bots/x/inbound.ts';

const village: XAccount = { id: '100', handle: 'DesaSukamaju' };
const now = new Date('2026-11-02T02:00:00Z');
const includes = { users: [{ id: '555', name: 'Warsini', username: 'warsini_s' }] };

function tweet(fields: Partial<TweetV2> & { id: string; text: string }): TweetV2 {
  return { edit_history_tweet_ids: [fields.id], author_id: '555', created_at: '2026-11-02T01:59:00Z', ...fields };
}

describe('fromMention', () => {
  it('turns a mention into a message from its author, addressed for a public reply, without our handle', () => {
    const message = fromMention(tweet({ id: '2001', text: '@DesaSukamaju lampu jalan depan masjid mati &amp; gelap' }), includes, village, now);
    expect(message).toEqual({
      channel: 'x',
      externalId: 'tweet:2001',
      sender: { id: '555', displayName: 'Warsini (@warsini_s)' },
      chat: { id: 'mention:2001:555', isGroup: false },
      text: 'lampu jalan depan masjid mati & gelap',
      attachments: [],
      receivedAt: new Date('2026-11-02T01:59:00Z'),
    });
  });

  it('keeps the handle only where it is part of a sentence, and reads long posts from note_tweet', () => {
    const message = fromMention(
      tweet({ id: '2002', text: 'Tolong @desasukamaju, jalan…', note_tweet: { text: 'Tolong @desasukamaju, jalan ke sawah rusak parah sejak banjir.' } }),
      includes,
      village,
      now,
    );
    expect(message?.text).toBe('Tolong, jalan ke sawah rusak parah sejak banjir.');
  });

  it('counts a reply to the village itself, and a reply in someone else\'s thread where the author typed our handle', () => {
    const toUs = tweet({ id: '2003', text: '@DesaSukamaju kapan jalannya diperbaiki?', in_reply_to_user_id: '100', referenced_tweets: [{ type: 'replied_to', id: '1999' }] });
    expect(fromMention(toUs, includes, village, now)).toMatchObject({ text: 'kapan jalannya diperbaiki?', replyTo: 'tweet:1999' });
    const typed = tweet({ id: '2004', text: '@budi @DesaSukamaju sama, di RT 3 juga. @DesaSukamaju tolong dicek', in_reply_to_user_id: '777', referenced_tweets: [{ type: 'replied_to', id: '1998' }] });
    expect(fromMention(typed, includes, village, now)?.text).toBe('sama, di RT 3 juga. tolong dicek');
  });

  it('ignores retweets, the village\'s own tweets, and replies between others that only inherit our handle', () => {
    const retweet = tweet({ id: '2005', text: 'RT @DesaSukamaju: Jadwal posyandu', referenced_tweets: [{ type: 'retweeted', id: '1900' }] });
    expect(ignoreReason(retweet, village)).toBe('retweet');
    expect(fromMention(retweet, includes, village, now)).toBeUndefined();
    const own = tweet({ id: '2006', text: '@DesaSukamaju catatan', author_id: '100' });
    expect(ignoreReason(own, village)).toBe('own tweet');
    const inherited = tweet({ id: '2007', text: '@DesaSukamaju @budi haha iya betul', in_reply_to_user_id: '777', referenced_tweets: [{ type: 'replied_to', id: '1997' }] });
    expect(ignoreReason(inherited, village)).toBe('reply between other users');
    expect(fromMention(inherited, includes, village, now)).toBeUndefined();
    const otherAccount = tweet({ id: '2008', text: 'cc @DesaSukamaju_Lama soal jalan' });
    expect(fromMention(otherAccount, includes, village, now)).toBeUndefined();
  });

  it('ignores a bare mention with no words and no media, and keeps photos', () => {
    expect(fromMention(tweet({ id: '2009', text: '@DesaSukamaju ' }), includes, village, now)).toBeUndefined();
    const photo = fromMention(
      tweet({ id: '2010', text: '@DesaSukamaju', attachments: { media_keys: ['3_1'] } }),
      { ...includes, media: [{ media_key: '3_1', type: 'photo' }] },
      village,
      now,
    );
    expect(photo?.attachments).toEqual([{ kind: 'photo', fileId: '3_1' }]);
  });
});

describe('fromDmEvent', () => {
  it('turns a DM into a private message addressed by DM', () => {
    const message = fromDmEvent(
      { id: '9001', event_type: 'MessageCreate', text: 'Pak, sampah di RT 2 belum diangkut', sender_id: '555', created_at: '2026-11-02T01:00:00Z' },
      includes,
      village,
      now,
    );
    expect(message).toEqual({
      channel: 'x',
      externalId: 'dm:9001',
      sender: { id: '555', displayName: 'Warsini (@warsini_s)' },
      chat: { id: 'dm:555', isGroup: false },
      text: 'Pak, sampah di RT 2 belum diangkut',
      attachments: [],
      receivedAt: new Date('2026-11-02T01:00:00Z'),
    });
  });

  it('ignores our own DMs and join/leave events', () => {
    expect(fromDmEvent({ id: '9002', event_type: 'MessageCreate', text: 'Balasan desa', sender_id: '100' }, undefined, village, now)).toBeUndefined();
    expect(fromDmEvent({ id: '9003', event_type: 'ParticipantsJoin', sender_id: '555' }, undefined, village, now)).toBeUndefined();
  });
});

describe('addresses and ids', () => {
  it('parses chat ids', () => {
    expect(parseChatId('mention:2001:555')).toEqual({ kind: 'mention', tweetId: '2001', authorId: '555' });
    expect(parseChatId('mention:2001')).toEqual({ kind: 'mention', tweetId: '2001', authorId: undefined });
    expect(parseChatId('dm:555')).toEqual({ kind: 'dm', userId: '555' });
    expect(parseChatId('timeline')).toEqual({ kind: 'post' });
  });

  it('compares snowflake ids beyond 2^53 exactly', () => {
    expect(compareIds('1860000000000000001', '1860000000000000000')).toBe(1);
    expect(compareIds('999', '1000')).toBe(-1);
  });
});
