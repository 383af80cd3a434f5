import { afterEach, describe, expect, it } from 'vitest';
import { createTestCore, type TestCore } from '../helpers.ts';

let core: TestCore;
afterEach(() => core.close());

describe('harness', () => {
  it('creates a ticket and queues an acknowledgement with its code', () => {
    core = createTestCore();
    const result = core.send('warga1', 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu');
    expect(result.outcome).toBe('new_ticket');
    expect(core.queued('warga1')[0]).toContain(result.ticketCode);
  });
});
