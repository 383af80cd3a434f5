// Errors by cause. The outbox asks an error whether to retry and when.

/** The remote platform answered and refused (HTTP 4xx/5xx, API error code). */
export class RemoteApiError extends Error {
  override name = 'RemoteApiError';
  constructor(
    message: string,
    readonly code: number,
    readonly options: {
      /** Milliseconds the platform asked us to wait (Telegram retry_after, HTTP Retry-After). */
      retryAfterMs?: number;
      /** The recipient cannot be reached any more (blocked the bot, deleted account). */
      recipientUnreachable?: boolean;
      /** Override: whether trying again can help. Defaults to 429 and 5xx. */
      retryable?: boolean;
    } = {},
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.options.retryable ?? (this.code === 429 || this.code >= 500);
  }
}

/** The network failed before the platform answered; always worth retrying. */
export class NetworkError extends Error {
  override name = 'NetworkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A handler failed while processing an inbound message. */
export class HandlerError extends Error {
  override name = 'HandlerError';
  constructor(
    message: string,
    readonly inbound: { channel: string; externalId: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface RetryDecision {
  retry: boolean;
  retryAfterMs?: number;
  recipientUnreachable: boolean;
  reason: string;
}

/** How the outbox should treat a failed send. Unknown errors are retried (bounded by max attempts). */
export function classifySendError(error: unknown): RetryDecision {
  if (error instanceof RemoteApiError) {
    return {
      retry: error.retryable && !error.options.recipientUnreachable,
      retryAfterMs: error.options.retryAfterMs,
      recipientUnreachable: error.options.recipientUnreachable ?? false,
      reason: `${error.code}: ${error.message}`,
    };
  }
  if (error instanceof NetworkError) {
    return { retry: true, recipientUnreachable: false, reason: `network: ${error.message}` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { retry: true, recipientUnreachable: false, reason: message };
}
