// Waiting that stops early: background loops (reconnecting, polling) end at once when the service stops.
import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`, or less when `signal` aborts; an abort resolves rather than throws (stopping is not an error). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
}
