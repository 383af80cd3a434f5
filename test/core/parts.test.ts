// sendInParts: the parts of one outbound message, each delivered once across attempts and crashes.
import { describe, expect, it } from 'vitest';
import { sendInParts } from '../../core/parts.ts';
import type { SentParts } from '../../core/types.ts';

describe('sendInParts', () => {
  it('resumes after the parts an earlier attempt delivered, chaining each part to the one before', async () => {
    const delivered: string[] = [];
    let stored: SentParts | undefined;
    const progress = () => ({ sent: stored, delivered: (sent: SentParts) => void (stored = sent) });
    const send = (failAt?: number) => (part: string, index: number, previous: string | undefined) => {
      if (index === failAt) return Promise.reject(new Error('429'));
      delivered.push(`${part}<-${previous ?? '-'}`);
      return Promise.resolve(`id-${part}`);
    };
    await expect(sendInParts(['a', 'b', 'c'], progress(), send(2))).rejects.toThrow('429');
    expect(stored).toEqual({ count: 2, ids: ['id-a', 'id-b'] });
    expect(await sendInParts(['a', 'b', 'c'], progress(), send())).toEqual(['id-a', 'id-b', 'id-c']);
    expect(delivered).toEqual(['a<--', 'b<-id-a', 'c<-id-b']);
  });

  it('records nothing for a message of one part, and sends all parts without progress', async () => {
    let recorded = 0;
    expect(await sendInParts(['only'], { sent: undefined, delivered: () => (recorded += 1) }, () => Promise.resolve('x'))).toEqual(['x']);
    expect(recorded).toBe(0);
    expect(await sendInParts(['a', 'b'], undefined, (part) => Promise.resolve(part))).toEqual(['a', 'b']);
  });
});
