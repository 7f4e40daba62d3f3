import { describe, expect, it } from 'vitest';
import { parsePublishRequest } from './publish-request.js';

const withHeaders = (headers: Record<string, string>) =>
  parsePublishRequest(JSON.stringify({ destination: '/topic/room.1', body: 'x', headers }));

describe('parsePublishRequest: headers', () => {
  it.each([
    ' parley-sender',
    '\tparley-sender',
    '\u00a0parley-sender',
    '\ufeffparley-sender',
    'parley-sender ',
    'x y',
    '',
  ])(
    'refuses the header name %j (not a token), naming the character without echoing it',
    (name) => {
      const out = withHeaders({ [name]: 'mallory' });
      expect(typeof out).toBe('string');
      expect(out).toMatch(/^request\.headers: header name .*(empty|U\+[0-9A-F]{4})/);
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/[\u0000-\u001f\u00a0\ufeff]/);
    },
  );

  it.each([
    'parley-sender',
    'Parley-Sender',
    'PARLEY-OFFSET',
    'parley-kind',
    'Destination',
    'MESSAGE-ID',
    'Subscription',
    'ack',
    'Content-Length',
    'receipt',
  ])('refuses the reserved header %s, in any case', (name) => {
    expect(withHeaders({ [name]: 'v' })).toMatch(/is reserved/);
  });

  it('keeps well-formed user headers', () => {
    const out = withHeaders({ 'X-Thread': '7', 'content-type': 'text/markdown' });
    expect(out).toMatchObject({
      items: [
        {
          headers: [
            ['X-Thread', '7'],
            ['content-type', 'text/markdown'],
          ],
        },
      ],
    });
  });
});
