// The HTTP server: health, and the routes of channels that receive over HTTP (the simulator).
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { isAsyncClassifier } from '../core/classifier/types.ts';
import { countOutboxByState, countOutboxLater } from '../storage/repositories/index.ts';
import type { CoreContext } from '../core/context.ts';
import type { ChannelAdapter } from '../core/types.ts';

export interface HealthReport {
  status: 'ok' | 'degraded';
  village: string;
  uptimeSeconds: number;
  channels: Record<string, { state: string; detail?: string }>;
  /** Rows by state. */
  outbox: Record<string, number>;
  /** Of the pending rows, those not due yet: held through quiet hours, or waiting to be retried. */
  outboxLater: number;
  /** The model in use, and the thread that classifies (`main` means the classifier's worker failed: slower, nothing lost). */
  classifier: { model: string; thread: 'worker' | 'main' };
}

export function healthReport(ctx: CoreContext, adapters: readonly ChannelAdapter[], startedAt: number): HealthReport {
  const channels = Object.fromEntries(adapters.map((adapter) => [adapter.name, adapter.health()]));
  const degraded = Object.values(channels).some((health) => health.state !== 'connected');
  return {
    status: degraded ? 'degraded' : 'ok',
    village: ctx.profile.village.name,
    uptimeSeconds: Math.round((ctx.now() - startedAt) / 1000),
    channels,
    outbox: countOutboxByState(ctx.store.db),
    outboxLater: countOutboxLater(ctx.store.db, ctx.now()),
    classifier: { model: ctx.classifier.name, thread: isAsyncClassifier(ctx.classifier) ? ctx.classifier.thread : 'main' },
  };
}

/** Believes the last `hops` proxies in front, whatever their addresses. */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

export function buildServer(logger: Logger, health: () => HealthReport, options: { trustProxy?: number | string } = {}): FastifyInstance {
  const app = Fastify({
    // Behind a reverse proxy, the client's address (for the login rate limit) is the one the proxy
    // names in X-Forwarded-For; otherwise every client would share the proxy's address and limit.
    ...(typeof options.trustProxy === 'string' ? { trustProxy: options.trustProxy } : {}),
    ...(typeof options.trustProxy === 'number' ? { trustProxy: trustHops(options.trustProxy) } : {}),
    // pino's Logger is wider than FastifyBaseLogger; without the widening the instance type differs
    // from the FastifyInstance that route modules accept.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: logger as FastifyBaseLogger,
    // Per-request lines would log residents' traffic; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Leave time for in-flight requests on shutdown.
    forceCloseConnections: 'idle',
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    void reply.code(status).send({ error: status >= 500 ? 'internal error' : error.message });
  });
  app.get('/healthz', () => health());
  return app;
}
