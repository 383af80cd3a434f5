// The fake Graph API refuses what Meta refuses, so tests passing against it mean something.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signedWebhook, startFakeGraph, type FakeGraph } from './whatsapp-cloud.ts';

let fake: FakeGraph;

beforeEach(async () => {
  fake = await startFakeGraph();
});

afterEach(async () => {
  await fake.close();
});

async function send(body: unknown, token = fake.token): Promise<{ status: number; body: { error?: { code?: number; type?: string } } & Record<string, unknown> }> {
  const response = await fetch(`${fake.url}/${fake.phoneNumberId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code?: number } } };
}

const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '6281234567890' };
const buttons = (titles: string[]) => ({
  ...envelope,
  type: 'interactive',
  interactive: { type: 'button', body: { text: 'Pilih' }, action: { buttons: titles.map((title, index) => ({ type: 'reply', reply: { id: String(index), title } })) } },
});

describe('fake Graph API', () => {
  it('answers a sent text with contacts and a wamid, and records it', async () => {
    const answer = await send({ ...envelope, type: 'text', text: { body: 'halo', preview_url: false }, context: { message_id: 'wamid.X' } });
    expect(answer).toEqual({ status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: '6281234567890', wa_id: '6281234567890' }], messages: [{ id: 'wamid.1' }] } });
    expect(fake.sent()).toMatchObject([{ id: 'wamid.1', to: '6281234567890', text: 'halo', contextId: 'wamid.X' }]);
  });

  it('refuses a wrong token with 401 / OAuthException 190', async () => {
    const answer = await send({ ...envelope, type: 'text', text: { body: 'halo' } }, 'wrong');
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({ code: 190, type: 'OAuthException' });
  });

  it('refuses texts over 4096 characters and interactive messages beyond Meta\'s limits', async () => {
    expect((await send({ ...envelope, type: 'text', text: { body: 'x'.repeat(4097) } })).status).toBe(400);
    expect((await send(buttons(['a', 'b', 'c', 'd']))).body.error?.code).toBe(131009);
    expect((await send(buttons(['x'.repeat(21)]))).body.error?.code).toBe(131009);
    expect((await send(buttons(['Sama', 'Sama']))).body.error?.code).toBe(131009);
    expect((await send(buttons(['Ambil', 'Tolak']))).status).toBe(200);
    expect(fake.sent()).toHaveLength(1);
  });

  it('injects faults: errors with headers, rate limits, dropped connections', async () => {
    fake.failNext(500, { error: { message: 'boom', code: 2 } });
    expect((await send({ ...envelope, type: 'text', text: { body: 'a' } })).status).toBe(500);
    fake.rateLimitNext({ retryAfterSeconds: 3 });
    const limited = await fetch(`${fake.url}/${fake.phoneNumberId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...envelope, type: 'text', text: { body: 'a' } }),
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    fake.dropNext();
    await expect(send({ ...envelope, type: 'text', text: { body: 'a' } })).rejects.toThrow();
    expect((await send({ ...envelope, type: 'text', text: { body: 'a' } })).status).toBe(200);
    expect(fake.calls('messages').map((call) => call.status)).toEqual([500, 429, 0, 200]);
  });

  it('signs webhook bodies like Meta: sha256= and the hex HMAC of the exact bytes', () => {
    const signed = signedWebhook({ object: 'whatsapp_business_account', entry: [] }, 'secret');
    expect(signed.body).toBe('{"object":"whatsapp_business_account","entry":[]}');
    expect(signed.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signedWebhook(signed.body, 'secret').signature).toBe(signed.signature);
  });
});
