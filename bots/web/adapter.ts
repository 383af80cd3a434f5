// The web simulator channel: residents and officers chat through HTTP instead of a platform.
// Sending only records the message; the simulator reads what was sent from the message store.
import { randomUUID } from 'node:crypto';
import type { ChannelAdapter, ChannelHealth, OutboundMessage, SendResult } from '../../core/types.ts';

export const WEB_CHANNEL = 'web';

export class WebAdapter implements ChannelAdapter {
  readonly name = WEB_CHANNEL;

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  send(_message: OutboundMessage): Promise<SendResult> {
    return Promise.resolve({ platformMessageId: `web-out-${randomUUID()}` });
  }

  health(): ChannelHealth {
    return { state: 'connected', detail: 'simulator' };
  }
}
