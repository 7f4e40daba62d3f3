import { describe, expect, it } from 'vitest';
import {
  ParleyError,
  RELAY_REASONS,
  errorFromFrame,
  headersLeftEscaped,
  isParleyError,
  unescapeHeaderValue,
} from './errors.js';

describe('ParleyError', () => {
  it('is an Error with a reason, a name and an optional cause', () => {
    const cause = new Error('socket');
    const error = new ParleyError('not-connected', 'not now', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ParleyError');
    expect(error.reason).toBe('not-connected');
    expect(error.message).toBe('not now');
    expect(error.cause).toBe(cause);
    expect(error.headers).toEqual({});
  });

  it('isParleyError() narrows, optionally by reason', () => {
    const error: unknown = new ParleyError('forbidden', 'no');
    expect(isParleyError(error)).toBe(true);
    expect(isParleyError(error, 'forbidden')).toBe(true);
    expect(isParleyError(error, 'token-invalid')).toBe(false);
    expect(isParleyError(new Error('x'))).toBe(false);
    expect(isParleyError({ reason: 'forbidden' })).toBe(false);
  });
});

describe('errorFromFrame', () => {
  it('takes the reason from parley-reason and the text from message', () => {
    const error = errorFromFrame(
      { message: 'bad signature', 'parley-reason': 'token-invalid' },
      '',
    );
    expect(error.reason).toBe('token-invalid');
    expect(error.message).toBe('bad signature');
    expect(error.headers['parley-reason']).toBe('token-invalid');
  });

  it('knows every relay reason', () => {
    for (const reason of RELAY_REASONS) {
      expect(errorFromFrame({ 'parley-reason': reason }, '').reason).toBe(reason);
    }
  });

  it('maps a missing or unknown reason to unknown and falls back to the body', () => {
    expect(errorFromFrame({}, ' broker says no\n')).toMatchObject({
      reason: 'unknown',
      message: 'broker says no',
    });
    expect(errorFromFrame({ 'parley-reason': 'brand-new' }, '').reason).toBe('unknown');
  });
});

describe('ERROR frames before CONNECTED (header values still escaped)', () => {
  it('unescapes header values that stompjs left escaped', () => {
    const error = errorFromFrame(
      { message: 'invalid token\\c jwt malformed', 'parley-reason': 'token-invalid' },
      '',
      { escaped: true },
    );
    expect(error.message).toBe('invalid token: jwt malformed');
    expect(error.headers.message).toBe('invalid token: jwt malformed');
    expect(error.reason).toBe('token-invalid');
  });

  it('does not unescape twice what stompjs already unescaped', () => {
    expect(errorFromFrame({ message: 'a\\cb' }, '').message).toBe('a\\cb');
  });

  it('undoes every STOMP 1.2 escape, a backslash pair first', () => {
    expect(unescapeHeaderValue('a\\cb\\nc\\rd\\\\ce')).toBe('a:b\nc\rd\\ce');
  });

  it('reads stompjs’s flag: escaped until a 1.2 CONNECTED', () => {
    expect(headersLeftEscaped({})).toBe(true);
    expect(headersLeftEscaped({ escapeHeaderValues: false })).toBe(true);
    expect(headersLeftEscaped({ escapeHeaderValues: true })).toBe(false);
  });
});

describe('RELAY_REASONS', () => {
  it('matches the relay’s reason codes', async () => {
    const { REASONS } = await import('@parley/relay');
    expect([...RELAY_REASONS].sort()).toEqual(Object.values(REASONS).sort());
  });
});
