import { describe, expect, it } from 'vitest';
import { mayPublish } from '../chat/grants.js';
import { tokenUser } from '../chat/identity.js';
import { isRtl, pickLocale } from './i18n.js';
import { relayBase, themeDeclarations, wsUrl } from './options.js';

const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

describe('locale', () => {
  it('takes the option, else the first supported browser language, else English', () => {
    expect(pickLocale('ko', ['en-US'])).toBe('ko');
    expect(pickLocale(undefined, ['fr-FR', 'ko-KR'])).toBe('ko');
    expect(pickLocale('xx', ['ar-EG'])).toBe('ar');
    expect(pickLocale(undefined, ['fr'])).toBe('en');
    expect(isRtl('ar')).toBe(true);
    expect(isRtl('he-IL')).toBe(true);
    expect(isRtl('ko')).toBe(false);
  });
});

describe('options', () => {
  it('turns theme options into custom properties and drops values that could escape', () => {
    expect(themeDeclarations({ accent: '#0a7', radius: '8px' })).toBe(
      '--parley-accent:#0a7;--parley-radius:8px',
    );
    expect(themeDeclarations({ accent: 'red;}:host{display:none' })).toBe('');
  });

  it('derives the relay from the loader URL unless told', () => {
    const loader = 'https://chat.example.com/widget/parley.js';
    expect(relayBase({}, loader).origin).toBe('https://chat.example.com');
    expect(wsUrl(relayBase({}, loader))).toBe('wss://chat.example.com/ws');
    expect(wsUrl(relayBase({ relay: 'http://localhost:8080' }, loader))).toBe(
      'ws://localhost:8080/ws',
    );
  });
});

describe('tokens, read not verified', () => {
  it('reads sub and name', () => {
    expect(tokenUser(jwt({ sub: 'guest-abc', name: 'Guest abc' }))).toEqual({
      id: 'guest-abc',
      name: 'Guest abc',
    });
    expect(tokenUser('garbage')).toBeUndefined();
  });

  it('knows whether the parley claim grants a destination', () => {
    const t = jwt({ sub: 'g', parley: { pub: ['/topic/room.support.*', '/topic/a/**'] } });
    expect(mayPublish(t, '/topic/room.support.g')).toBe(true);
    expect(mayPublish(t, '/topic/room.support-inbox')).toBe(false);
    expect(mayPublish(t, '/topic/a/b/c')).toBe(true);
    expect(mayPublish(jwt({ sub: 'dev' }), '/topic/anything')).toBe(true);
    expect(mayPublish(undefined, '/topic/x')).toBe(false);
  });
});
