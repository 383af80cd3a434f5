// The explicit list of channel adapters. A channel starts only when its configuration is present.
import type { Env } from '../config/env.ts';
import type { ChannelAdapter } from '../core/types.ts';
import { WebAdapter } from './web/adapter.ts';

export function createAdapters(env: Env): ChannelAdapter[] {
  const adapters: ChannelAdapter[] = [];
  if (env.simulatorEnabled) adapters.push(new WebAdapter());
  return adapters;
}
