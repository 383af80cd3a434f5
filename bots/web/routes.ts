// HTTP routes of the simulator: the contract of DESIGN.md plus a small chat page.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CoreContext } from '../../core/context.ts';
import { IntakeBatcher } from '../../core/intake.ts';
import { listOutboundToChat } from '../../storage/repositories/index.ts';
import { WEB_CHANNEL } from './adapter.ts';
import { simulatorMessageSchema, toInboundMessage } from './inbound.ts';

const pagePath = join(dirname(fileURLToPath(import.meta.url)), 'simulator.html');

const listQuery = z.object({ user: z.string().trim().min(1).max(128) });

/** `intake`: the service's one group commit, shared with the other channels. */
export function registerSimulatorRoutes(
  app: FastifyInstance,
  ctx: CoreContext,
  onQueued: () => void,
  intake: IntakeBatcher = new IntakeBatcher(ctx),
): void {
  const page = readFileSync(pagePath, 'utf8');
  // Concurrent posts (a burst) are committed together; each answer waits for its commit.

  app.get('/', (_request, reply) => reply.redirect('/simulator'));
  app.get('/simulator', (_request, reply) => reply.type('text/html; charset=utf-8').send(page));

  app.get('/simulator/profile', () => ({
    village: ctx.profile.village.name,
    officers: ctx.officers.all
      .filter((officer) => officer.contacts.some((contact) => contact.channel === WEB_CHANNEL))
      .map((officer) => ({
        id: officer.contacts.find((contact) => contact.channel === WEB_CHANNEL)?.id,
        name: officer.name,
        role: officer.role,
      })),
    groups: ctx.profile.triage.chats.filter((chat) => chat.channel === WEB_CHANNEL).map((chat) => chat.chat),
  }));

  app.post('/simulator/messages', async (request, reply) => {
    const parsed = simulatorMessageSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({
        error: 'invalid message',
        details: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`),
      });
    }
    const message = toInboundMessage(parsed.data, new Date());
    const result = await intake.submit(message);
    if (!result.duplicate) onQueued();
    return reply.code(result.duplicate ? 200 : 201).send({
      id: message.externalId,
      duplicate: result.duplicate,
      outcome: result.outcome,
      ...(result.ticketCode ? { ticket: result.ticketCode } : {}),
    });
  });

  app.get('/simulator/messages', (request, reply) => {
    const parsed = listQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send({ error: 'query parameter user is required' });
    return listOutboundToChat(ctx.store.db, WEB_CHANNEL, parsed.data.user).map((message) => ({
      id: message.externalId,
      text: message.text,
      at: new Date(message.at).toISOString(),
      ...(message.replyToExternalId ? { replyTo: message.replyToExternalId } : {}),
      ...(message.actions ? { actions: message.actions } : {}),
    }));
  });
}
