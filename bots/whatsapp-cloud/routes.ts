// The webhook endpoint of the Cloud API. GET answers Meta's verification handshake; every POST must
// carry X-Hub-Signature-256, an HMAC-SHA256 of the exact request bytes keyed with the app secret, so
// nobody but Meta can put messages into core. 200 only after core has committed the messages; an
// error answers 500 and Meta delivers the body again.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { WhatsAppCloudAdapter } from './adapter.ts';
import type { WhatsAppCloudConfig } from './config.ts';
import { isWhatsAppWebhook } from './inbound.ts';

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `header` is `sha256=<hex>` of the HMAC-SHA256 of `raw` with the app secret. */
export function validSignature(raw: Buffer, header: unknown, appSecret: string): boolean {
  if (typeof header !== 'string') return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function queryValue(query: unknown, key: string): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const value = (query as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

export function registerWhatsAppCloudWebhook(app: FastifyInstance, adapter: WhatsAppCloudAdapter, config: WhatsAppCloudConfig): void {
  // An encapsulated scope: only these routes see the raw bytes (the signature covers them exactly);
  // every other route keeps Fastify's JSON parsing.
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    // Any content type arrives as a Buffer, so a request with an odd one still meets the signature check first.
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, parsed) => parsed(null, body));

    scope.get(config.webhookPath, (request, reply) => {
      const mode = queryValue(request.query, 'hub.mode');
      const token = queryValue(request.query, 'hub.verify_token');
      const challenge = queryValue(request.query, 'hub.challenge');
      if (mode !== 'subscribe' || token === undefined || challenge === undefined || !sameText(token, config.verifyToken)) {
        return reply.code(403).send({ error: 'verification failed' });
      }
      return reply.code(200).type('text/plain').send(challenge);
    });

    scope.post(config.webhookPath, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (!validSignature(raw, request.headers['x-hub-signature-256'], config.appSecret)) {
        request.log.warn({ url: request.url }, 'whatsapp cloud webhook refused: missing or wrong X-Hub-Signature-256');
        return reply.code(401).send({ error: 'missing or wrong X-Hub-Signature-256' });
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return reply.code(400).send({ error: 'body is not JSON' });
      }
      if (!isWhatsAppWebhook(body)) return reply.code(400).send({ error: 'not a whatsapp_business_account webhook' });
      try {
        await adapter.handleWebhook(body);
      } catch {
        // Logged by the adapter; Meta retries non-2xx answers.
        return reply.code(500).send({ error: 'not stored; deliver it again' });
      }
      return reply.code(200).send({ ok: true });
    });

    done();
  });
}
