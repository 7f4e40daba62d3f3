import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REASONS } from './reasons.js';

describe('docs/protocol.md', () => {
  it('lists every reason code in its Errors table', () => {
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    const errors = doc.slice(doc.indexOf('## Errors'), doc.indexOf('## Limits'));
    for (const reason of Object.values(REASONS)) {
      expect(errors, reason).toMatch(new RegExp(`^\\| \`${reason}\` +\\|`, 'm'));
    }
  });
});
