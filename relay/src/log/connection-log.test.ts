import { describe, expect, it } from 'vitest';
import { connectionEndFields } from './connection-log.js';
import { Traffic } from './traffic.js';

function traffic(): Traffic {
  const t = new Traffic(1000);
  t.framesIn = 3;
  t.framesOut = 4;
  t.bytesIn = 300;
  t.bytesOut = 400;
  return t;
}

describe('connectionEndFields', () => {
  it('names the user, the duration, the traffic, the close code and the relay reason', () => {
    const fields = connectionEndFields(
      {
        id: 's-1',
        principal: { userId: 'alice' },
        version: '1.2',
        traffic: traffic(),
        endReason: 'server-shutdown',
      },
      1001,
      'ws',
      6000,
    );
    expect(fields).toEqual({
      session: 's-1',
      user: 'alice',
      version: '1.2',
      durationMs: 5000,
      framesIn: 3,
      framesOut: 4,
      bytesIn: 300,
      bytesOut: 400,
      code: 1001,
      reason: 'server-shutdown',
      transport: 'ws',
    });
  });

  it('says who closed when the relay did not, and has no user before login', () => {
    const base = { id: 's-2', version: '1.2', traffic: traffic() };
    expect(connectionEndFields(base, 1000, 'ws', 2000)).toMatchObject({ reason: 'client-closed' });
    const lost = connectionEndFields(base, 1006, 'ws', 2000);
    expect(lost.reason).toBe('connection-lost');
    expect('user' in lost).toBe(false);
  });
});
