import { describe, expect, it } from 'vitest';
import {
  mayMessage,
  NOT_WRITTEN_FIRST,
  notWrittenFirstError,
  Throttle,
  toSendError,
  withActions,
  type ThrottleOptions,
} from '../../../bots/whatsapp/outbound.ts';
import { classifySendError, NetworkError, RemoteApiError } from '../../../core/errors.ts';
import { ratingActions, ticketActions } from '../../../core/messages.ts';

function fakeClock(randoms: number[] = [0.5]) {
  const clock = {
    time: 1_000_000,
    slept: [] as number[],
    now: () => clock.time,
    sleep: (ms: number) => {
      clock.slept.push(ms);
      clock.time += ms;
      return Promise.resolve();
    },
    random: () => {
      const next = randoms.shift() ?? 0.5;
      randoms.push(next);
      return next;
    },
  };
  return clock;
}

const noDelays: ThrottleOptions = { minDelayMs: 0, maxDelayMs: 0, perChatGapMs: 0, maxPerMinute: 100 };

describe('Throttle', () => {
  it('pauses a random, human-like time within [minDelayMs, maxDelayMs] before each message', () => {
    const randoms = Array.from({ length: 50 }, (_, i) => i / 50);
    randoms.push(0, 0.999999);
    const clock = fakeClock(randoms);
    const throttle = new Throttle({ minDelayMs: 1500, maxDelayMs: 4000, perChatGapMs: 0, maxPerMinute: 1000 }, clock);
    const delays: number[] = [];
    for (let i = 0; i < randoms.length; i += 1) {
      delays.push(throttle.reserve(`chat-${i}`));
      clock.time += 10_000; // each message long after the previous one
    }
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(1500);
      expect(delay).toBeLessThanOrEqual(4000);
    }
    expect(Math.min(...delays)).toBe(1500);
    expect(Math.max(...delays)).toBe(4000);
    expect(new Set(delays).size).toBeGreaterThan(10);
  });

  it('spaces messages to one chat by perChatGapMs, and other chats not by it', () => {
    const clock = fakeClock();
    const throttle = new Throttle({ ...noDelays, perChatGapMs: 3000 }, clock);
    expect(throttle.reserve('a')).toBe(0);
    clock.time += 1000;
    expect(throttle.reserve('a')).toBe(2000);
    clock.time += 2000;
    expect(throttle.reserve('b')).toBe(0);
    clock.time += 10_000;
    expect(throttle.reserve('a')).toBe(0);
  });

  it('sends at most maxPerMinute messages in any minute, all chats together', () => {
    const clock = fakeClock();
    const throttle = new Throttle({ ...noDelays, maxPerMinute: 3 }, clock);
    expect(['a', 'b', 'c'].map((chat) => throttle.reserve(chat))).toEqual([0, 0, 0]);
    expect(throttle.reserve('d')).toBe(60_000);
    clock.time += 30_000;
    // d is planned at +60 s; e must wait for the second of the first three to be a minute old.
    expect(throttle.reserve('e')).toBe(30_000);
    // Over ten minutes of steady demand, no 60-second window holds more than 3 sends.
    const planned: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      planned.push(clock.time + throttle.reserve(`chat-${i}`));
      clock.time += 5_000;
    }
    for (const start of planned) expect(planned.filter((at) => at >= start && at < start + 60_000).length).toBeLessThanOrEqual(3);
  });

  it('queues callers that come together one after another, each with its pause', async () => {
    const clock = fakeClock([0]);
    const throttle = new Throttle({ minDelayMs: 2000, maxDelayMs: 2000, perChatGapMs: 0, maxPerMinute: 100 }, clock);
    expect([throttle.reserve('a'), throttle.reserve('b'), throttle.reserve('c')]).toEqual([2000, 4000, 6000]);
    clock.time += 6000;
    await throttle.wait('d');
    expect(clock.slept).toEqual([2000]);
  });
});

describe('the wrote-first rule', () => {
  const rule = {
    hasWrittenFirst: (id: string) => id === '6281234567890@c.us' || id === '99999@lid' || id === '120363099999999999@g.us',
    officerGroups: new Set(['120363012345678901@g.us']),
  };

  it("allows people who wrote first and the officers' group, nobody else", () => {
    expect(mayMessage('6281234567890@c.us', rule)).toBe(true);
    expect(mayMessage('120363012345678901@g.us', rule)).toBe(true);
    expect(mayMessage('6289999999999@c.us', rule)).toBe(false);
    // Another group is never messaged, even one we have history with.
    expect(mayMessage('120363099999999999@g.us', rule)).toBe(false);
  });

  it('counts a person who wrote under their other id', () => {
    expect(mayMessage('6285555555555@c.us', rule, ['99999@lid'])).toBe(true);
  });

  it('refuses with a non-retryable error that names the reason', () => {
    const error = notWrittenFirstError();
    expect(error.message).toBe(NOT_WRITTEN_FIRST);
    expect(classifySendError(error)).toMatchObject({ retry: false, recipientUnreachable: false });
  });
});

describe('withActions', () => {
  it('lists command actions as lines to type, and adds nothing for ratings', () => {
    expect(withActions('Tiket baru SKM-3', ticketActions('SKM-3'))).toBe(
      'Tiket baru SKM-3\n\n• /ambil SKM-3\n• /alihkan SKM-3\n• /selesai SKM-3\n• /tolak SKM-3',
    );
    expect(withActions('Beri nilai 1-5', ratingActions())).toBe('Beri nilai 1-5');
    expect(withActions('Halo', undefined)).toBe('Halo');
  });
});

describe('toSendError', () => {
  it('retries when the browser or page went away', () => {
    for (const text of ['Protocol error (Runtime.callFunctionOn): Session closed.', 'Execution context was destroyed, most likely because of a navigation', 'sendMessage timed out after 60000 ms']) {
      const error = toSendError(new Error(text));
      expect(error).toBeInstanceOf(NetworkError);
      expect(classifySendError(error).retry).toBe(true);
    }
  });

  it('marks an id WhatsApp does not know as unreachable, and retries unknown page errors a bounded number of times', () => {
    const unknown = toSendError(new Error('Evaluation failed: Error: wid error: invalid wid'));
    expect(classifySendError(unknown)).toMatchObject({ retry: false, recipientUnreachable: true });
    const other = toSendError(new Error('Evaluation failed: t'));
    expect(other).toBeInstanceOf(RemoteApiError);
    expect(classifySendError(other).retry).toBe(true);
    expect(toSendError('auth timeout')).toBeInstanceOf(RemoteApiError);
  });
});
