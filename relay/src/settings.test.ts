import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SECTIONS, SETTINGS, setting } from './settings.js';
import { ENV_VARS, helpText, loadConfig } from './config.js';
import { SOCKJS_ENV_VARS, loadSockJsConfig } from './sockjs/config.js';

/** config.ts and every module it imports: the code that reads the relay's configuration. */
function readers(): string[] {
  const config = readFileSync(new URL('config.ts', import.meta.url), 'utf8');
  const imported = [...config.matchAll(/from '\.\/(.+)\.js'/g)]
    .map(([, m]) => `${m}.ts`)
    .filter((f) => f !== 'settings.ts'); // the table itself
  return ['config.ts', ...imported];
}

describe('SETTINGS', () => {
  it('is what ENV_VARS and --help list', () => {
    expect(ENV_VARS).toBe(SETTINGS);
    const help = helpText();
    for (const s of SETTINGS) expect(help).toMatch(new RegExp(`^ {2}${s.name} `, 'm'));
  });

  it('has unique names, each in a known section', () => {
    const names = SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SETTINGS) expect(Object.keys(SECTIONS)).toContain(s.section);
  });

  it('gives every whole number a default inside its range, shown as its default', () => {
    for (const s of SETTINGS.filter((x) => x.int)) {
      const { default: d, min, max } = s.int!;
      expect(Number.isInteger(d) && d >= min && d <= max, s.name).toBe(true);
      expect(s.default).toBe(String(d));
    }
  });

  it('lists every PARLEY_* variable config.ts and the modules it imports read', () => {
    const names = new Set(SETTINGS.map((s) => s.name));
    for (const file of readers()) {
      const text = readFileSync(new URL(file, import.meta.url), 'utf8');
      for (const [, name] of text.matchAll(/['"`](PARLEY_[A-Z_]+)['"`]/g)) {
        expect(names, `${name} (read in ${file})`).toContain(name);
      }
    }
  });

  it('drives loadConfig: each default is what an empty environment gets', () => {
    const base = { PARLEY_JWT_SECRET: 'a-test-secret-of-32-characters!!' };
    const cfg = loadConfig(base);
    expect(cfg.port).toBe(setting('PARLEY_PORT').int!.default);
    expect(cfg.limits.maxFrameSize).toBe(setting('PARLEY_MAX_FRAME_SIZE').int!.default);
    expect(cfg.logLevel).toBe(setting('PARLEY_LOG_LEVEL').default);
    expect(cfg.host).toBe(setting('PARLEY_HOST').default);
    expect(cfg.jwt.requireExp).toBe(setting('PARLEY_JWT_REQUIRE_EXP').flag!.default);
  });

  it('throws for a name that is not in the table', () => {
    expect(() => setting('PARLEY_NOPE')).toThrow(/not in SETTINGS/);
  });
});

describe('SockJS rows', () => {
  it('match SOCKJS_ENV_VARS (name, help, default)', () => {
    for (const v of SOCKJS_ENV_VARS) {
      const row = setting(v.name);
      expect(row.section, v.name).toBe('sockjs');
      expect(row.help, v.name).toBe(v.help);
      const shown = row.int ? String(row.int.default) : row.flag?.default ? '1' : '0';
      expect(shown, v.name).toBe(v.default);
    }
    expect(SETTINGS.filter((s) => s.section === 'sockjs')).toHaveLength(SOCKJS_ENV_VARS.length);
  });

  it('match what loadSockJsConfig applies: defaults and both ends of each range', () => {
    const cfg = loadSockJsConfig({});
    expect(cfg.maxSessions).toBe(setting('PARLEY_SOCKJS_MAX_SESSIONS').int!.default);
    expect(cfg.heartbeatMs).toBe(setting('PARLEY_SOCKJS_HEARTBEAT_MS').int!.default);
    expect(cfg.disconnectDelayMs).toBe(setting('PARLEY_SOCKJS_DISCONNECT_DELAY_MS').int!.default);
    expect(cfg.enabled).toBe(setting('PARLEY_SOCKJS').flag!.default);
    expect(cfg.cookieNeeded).toBe(setting('PARLEY_SOCKJS_COOKIE_NEEDED').flag!.default);
    expect(cfg.testServices).toBe(setting('PARLEY_SOCKJS_TEST_SERVICES').flag!.default);
    for (const name of [
      'PARLEY_SOCKJS_MAX_SESSIONS',
      'PARLEY_SOCKJS_HEARTBEAT_MS',
      'PARLEY_SOCKJS_DISCONNECT_DELAY_MS',
    ]) {
      const { min, max } = setting(name).int!;
      expect(() => loadSockJsConfig({ [name]: String(min) }), name).not.toThrow();
      expect(() => loadSockJsConfig({ [name]: String(max) }), name).not.toThrow();
      expect(() => loadSockJsConfig({ [name]: String(max + 1) }), name).toThrow();
      if (min > 0) expect(() => loadSockJsConfig({ [name]: String(min - 1) }), name).toThrow();
    }
  });
});
