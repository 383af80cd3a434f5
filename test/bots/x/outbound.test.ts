import { ApiResponseError } from 'twitter-api-v2';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { countTweetLength, publicReplyText, scrubPublic, splitThread, toSendError, TWEET_LIMIT } from '../../../bots/x/outbound.ts';
import { classifySendError, NetworkError, RemoteApiError } from '../../../core/errors.ts';

function apiError(code: number, data: Record<string, unknown>, headers: Record<string, string> = {}): ApiResponseError {
  return new ApiResponseError(`Request failed with code ${code}`, {
    code,
    data,
    headers,
    request: {} as ClientRequest,
    response: {} as IncomingMessage,
  });
}

describe('countTweetLength', () => {
  it('counts Latin text one per character', () => {
    expect(countTweetLength('Jalan rusak di RT 2')).toBe(19);
    expect(countTweetLength('Café – “kutip”')).toBe(14);
  });

  it('counts every URL as 23, whatever its length', () => {
    expect(countTweetLength('Lihat https://desa.example.id/laporan/mingguan/2026-11-30?x=1 ya')).toBe(6 + 23 + 3);
    expect(countTweetLength('https://t.co')).toBe(23);
    expect(countTweetLength('buka desasukamaju.id sekarang')).toBe(5 + 23 + 9);
  });

  it('counts emoji (with skin tones, ZWJ sequences, flags) and CJK as 2', () => {
    expect(countTweetLength('👍')).toBe(2);
    expect(countTweetLength('👍🏽')).toBe(2);
    expect(countTweetLength('👨‍👩‍👧')).toBe(2);
    expect(countTweetLength('🇮🇩')).toBe(2);
    expect(countTweetLength('desa 🙏')).toBe(7);
    expect(countTweetLength('村の道')).toBe(6);
    expect(countTweetLength('한국')).toBe(4);
  });
});

describe('splitThread', () => {
  it('keeps a text that fits in one post, without numbering', () => {
    expect(splitThread('Ringkasan minggu ini: 12 laporan, 9 selesai.')).toEqual(['Ringkasan minggu ini: 12 laporan, 9 selesai.']);
    const exactly = 'a'.repeat(TWEET_LIMIT);
    expect(splitThread(exactly)).toEqual([exactly]);
  });

  it('splits at sentence ends into numbered posts, each within 280 as X counts, numbering included', () => {
    const sentence = 'Jalan di depan balai desa sudah diperbaiki dan lampu jalan di Dusun Krajan menyala lagi. ';
    const text = sentence.repeat(12).trim();
    const parts = splitThread(text);
    expect(parts.length).toBeGreaterThan(3);
    parts.forEach((part, index) => {
      expect(countTweetLength(part)).toBeLessThanOrEqual(280);
      expect(part.endsWith(`lagi. (${index + 1}/${parts.length})`)).toBe(true);
    });
    const joined = parts.map((part) => part.replace(/ \(\d+\/\d+\)$/, '')).join(' ');
    expect(joined).toBe(text);
  });

  it('counts emoji, CJK and URLs as X does when splitting', () => {
    const text = Array.from({ length: 40 }, (_, i) => `Kegiatan ${i} 🙏 https://desa.example.id/kegiatan/${i}/foto-panjang-sekali`).join('\n');
    const parts = splitThread(text);
    for (const part of parts) expect(countTweetLength(part)).toBeLessThanOrEqual(280);
    // The URLs are never cut.
    for (const part of parts) expect(part).not.toMatch(/foto-panj(?!ang-sekali)/);
    const cjk = '村'.repeat(500);
    for (const part of splitThread(cjk)) expect(countTweetLength(part)).toBeLessThanOrEqual(280);
  });

  it('prefers paragraph breaks', () => {
    const paragraph = 'Minggu ini warga melaporkan jalan rusak, sampah, dan lampu mati di beberapa dusun.';
    const text = [paragraph, paragraph, paragraph, paragraph].join('\n\n');
    const parts = splitThread(text);
    expect(parts.length).toBe(2);
    expect(parts[0]).toBe(`${paragraph}\n\n${paragraph}\n\n${paragraph} (1/2)`);
  });
});

describe('public replies', () => {
  const coreAck =
    'Terima kasih Bu Warsini, laporan Anda sudah kami terima dengan nomor SKM-12: "Lampu jalan depan rumah saya mati, ' +
    'hubungi 0812-3456-7890 atau warsini@example.com, NIK 3201234567890123".';

  it('carry only the ticket code and an invitation to DM, never the resident\'s words, name, phone, NIK or e-mail', () => {
    const text = publicReplyText(coreAck);
    expect(text).toBe('Terima kasih, laporan Anda tercatat dengan nomor SKM-12. Untuk menyampaikan detail, kirim DM ke akun ini atau WhatsApp desa.');
    for (const secret of ['Warsini', 'Lampu', 'rumah', '0812', '7890', 'warsini@example.com', '3201234567890123']) {
      expect(text).not.toContain(secret);
    }
    expect(countTweetLength(text)).toBeLessThanOrEqual(280);
  });

  it('without a ticket code are a short invitation to DM', () => {
    const text = publicReplyText('Ketik "status SKM" untuk ... Nomor saya 081234567890');
    expect(text).toContain('kirim DM');
    expect(text).not.toContain('0812');
    expect(publicReplyText('Bantuan: kirim laporan Anda dengan kalimat lengkap.')).toMatch(/DM/);
  });

  it('for later updates say only that there is news, with the code', () => {
    const text = publicReplyText('SKM-7: lampu sudah diganti oleh Pak Bambang (0813 1111 2222).', 'update');
    expect(text).toContain('SKM-7');
    expect(text).not.toMatch(/Bambang|0813|lampu/);
  });

  it('scrubber removes phones, NIK and e-mail', () => {
    expect(scrubPublic('hubungi +62 812-3456-7890 / 0812 3456 7890, NIK 3201234567890123, a.b@desa.id; SKM-12')).toBe(
      'hubungi [disembunyikan] / [disembunyikan], NIK [disembunyikan], [disembunyikan]; SKM-12',
    );
  });
});

describe('toSendError', () => {
  const now = Date.UTC(2026, 10, 2, 2, 0, 0);

  it('maps 429 to a retry after the window resets', () => {
    const error = toSendError(apiError(429, { title: 'Too Many Requests' }, { 'x-rate-limit-reset': String(now / 1000 + 300) }), now);
    expect(error).toBeInstanceOf(RemoteApiError);
    expect(classifySendError(error)).toMatchObject({ retry: true, retryAfterMs: 300_000 });
  });

  it('retries 5xx and network failures', () => {
    expect(classifySendError(toSendError(apiError(503, { title: 'Service Unavailable' }), now)).retry).toBe(true);
    const network = toSendError(new Error('socket hang up'), now);
    expect(network).toBeInstanceOf(NetworkError);
    expect(classifySendError(network).retry).toBe(true);
  });

  it('does not retry duplicates, refused credentials or plan refusals, and says why', () => {
    const duplicate = toSendError(apiError(403, { title: 'Forbidden', detail: 'You are not allowed to create a Tweet with duplicate content.' }), now);
    expect(classifySendError(duplicate)).toMatchObject({ retry: false });
    expect(classifySendError(duplicate).reason).toMatch(/duplicate/);
    const plan = toSendError(apiError(403, { title: 'Client Forbidden', reason: 'client-not-enrolled', detail: 'When authenticating requests...' }), now);
    expect(classifySendError(plan)).toMatchObject({ retry: false });
    expect(classifySendError(toSendError(apiError(401, { title: 'Unauthorized' }), now))).toMatchObject({ retry: false });
  });
});
