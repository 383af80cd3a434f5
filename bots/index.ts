// The explicit list of channel adapters. A channel starts only when its configuration is present.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Env } from '../config/env.ts';
import type { CoreContext } from '../core/context.ts';
import { IntakeBatcher } from '../core/intake.ts';
import { alertOfficers } from '../core/notify.ts';
import { recordLateDeliveryFailure } from '../core/outbox.ts';
import type { ChannelAdapter, InboundMessage, IntakeResult } from '../core/types.ts';
import { getCursor, lastInboundAt, setCursor } from '../storage/repositories/index.ts';
import { TelegramAdapter } from './telegram/adapter.ts';
import { registerTelegramWebhook } from './telegram/routes.ts';
import { TELEGRAM_CHANNEL } from './telegram/inbound.ts';
import { WEB_CHANNEL, WebAdapter } from './web/adapter.ts';
import { WhatsAppWebAdapter } from './whatsapp/adapter.ts';
import { WHATSAPP_CHANNEL } from './whatsapp/inbound.ts';
import { registerWhatsAppRoutes } from './whatsapp/routes.ts';
import { loggedOutAlert } from './whatsapp/texts.ts';
import { WhatsAppCloudAdapter } from './whatsapp-cloud/adapter.ts';
import { XAdapter } from './x/adapter.ts';
import { X_CHANNEL } from './x/inbound.ts';
import { WHATSAPP_CLOUD_CHANNEL } from './whatsapp-cloud/inbound.ts';
import { registerWhatsAppCloudWebhook } from './whatsapp-cloud/routes.ts';
import { registerSimulatorRoutes } from './web/routes.ts';

export interface Channels {
  adapters: ChannelAdapter[];
  /** Registers the HTTP routes of channels that receive over HTTP (simulator, webhooks). */
  registerRoutes(app: FastifyInstance): void;
}

export interface ChannelDeps {
  ctx: CoreContext;
  logger: Logger;
  /** Tells the outbox that new rows were committed. */
  wake(): void;
}

/** The channels this environment enables, known before anything starts. */
export function enabledChannels(env: Env): Set<string> {
  return new Set([
    ...(env.simulatorEnabled ? [WEB_CHANNEL] : []),
    ...(env.telegram ? [TELEGRAM_CHANNEL] : []),
    ...(env.whatsapp ? [WHATSAPP_CHANNEL] : []),
    ...(env.whatsappCloud ? [WHATSAPP_CLOUD_CHANNEL] : []),
    ...(env.x ? [X_CHANNEL] : []),
  ]);
}

export function createChannels(env: Env, deps: ChannelDeps): Channels {
  const { ctx } = deps;
  // Every channel's messages go through one group commit: concurrent arrivals (webhooks, WhatsApp
  // events, a burst on the simulator) share a transaction, and are classified on the classifier's
  // thread while earlier ones are stored. Each call settles after its message is committed.
  const intake = new IntakeBatcher(ctx);
  const receive = async (message: InboundMessage): Promise<IntakeResult> => {
    const result = await intake.submit(message);
    if (!result.duplicate) deps.wake();
    return result;
  };
  const adapters: ChannelAdapter[] = [];
  const routes: Array<(app: FastifyInstance) => void> = [];

  if (env.simulatorEnabled) {
    adapters.push(new WebAdapter());
    routes.push((app) => registerSimulatorRoutes(app, ctx, () => deps.wake(), intake));
  }

  const telegram = env.telegram;
  if (telegram) {
    const adapter = new TelegramAdapter(telegram, {
      receive,
      logger: deps.logger,
      cursor: {
        read: () => getCursor(ctx.store.db, 'telegram'),
        write: (value) => setCursor(ctx.store.db, 'telegram', value, ctx.now()),
      },
    });
    adapters.push(adapter);
    const { webhook } = telegram;
    if (webhook) routes.push((app) => registerTelegramWebhook(app, adapter, webhook));
  }

  const whatsapp = env.whatsapp;
  if (whatsapp) {
    const adapter = new WhatsAppWebAdapter(whatsapp, {
      receive,
      logger: deps.logger,
      hasWrittenFirst: (chatId) => lastInboundAt(ctx.store.db, WHATSAPP_CHANNEL, chatId) !== undefined,
      officerGroups: new Set(ctx.profile.triage.chats.filter((chat) => chat.channel === WHATSAPP_CHANNEL).map((chat) => chat.chat)),
      onLoggedOut: (reason) => {
        const queued = ctx.store.transaction(() => alertOfficers(ctx, loggedOutAlert(reason), WHATSAPP_CHANNEL));
        if (queued === 0) deps.logger.error('WhatsApp logged out and no other channel reaches an officer');
        deps.wake();
      },
    });
    adapters.push(adapter);
    routes.push((app) => registerWhatsAppRoutes(app, adapter));
  }

  const cloud = env.whatsappCloud;
  if (cloud) {
    const adapter = new WhatsAppCloudAdapter(cloud, {
      receive,
      logger: deps.logger,
      lastInboundAt: (chatId) => lastInboundAt(ctx.store.db, WHATSAPP_CLOUD_CHANNEL, chatId),
      onDeliveryFailed: (platformMessageId, reason) => {
        if (recordLateDeliveryFailure(ctx, WHATSAPP_CLOUD_CHANNEL, platformMessageId, reason)) deps.wake();
      },
      now: ctx.now,
    });
    adapters.push(adapter);
    routes.push((app) => registerWhatsAppCloudWebhook(app, adapter, cloud));
  }

  const x = env.x;
  if (x) {
    adapters.push(
      new XAdapter(x, {
        receive,
        logger: deps.logger,
        cursor: {
          read: (key) => getCursor(ctx.store.db, key),
          write: (key, value) => setCursor(ctx.store.db, key, value, ctx.now()),
        },
      }),
    );
  }

  return { adapters, registerRoutes: (app) => routes.forEach((register) => register(app)) };
}
