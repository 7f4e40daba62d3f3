import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '@parley/relay/testing';
import {
  chromiumAvailable,
  devRelay,
  hostPages,
  launchChromium,
  openPanel,
  say,
  snippet,
  W,
  waitConnected,
  watchProblems,
  widgetBuilt,
} from './harness.js';
import type { Browser, HostServer, RelayProcess } from './harness.js';

const page = (script: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>` +
  `<body><p>Host page</p><script>${script}</script></body></html>`;

/**
 * Agent mode lives in its own lazy chunk (agent.<hash>.js): a visitor never downloads it, an
 * agent's widget loads it and lists the visitor's conversation.
 */
describe.runIf(widgetBuilt() && chromiumAvailable())('support: agent mode, a lazy chunk', () => {
  let relay: RelayProcess;
  let host: HostServer;
  let browser: Browser;
  beforeAll(async () => {
    relay = await devRelay();
    const loader = `${relay.httpUrl}/widget/parley.js`;
    const token = (sub: string, name: string, pub: string[], subs: string[]): string =>
      signToken(relay.secret, { sub, name, parley: { pub, sub: subs } });
    const visitor = token(
      'v1',
      'Vera',
      ['/topic/room.support.v1', '/topic/room.support-inbox'],
      ['/topic/room.support.v1'],
    );
    const agent = token(
      'a1',
      'Agnes',
      ['/topic/room.support.*'],
      ['/topic/room.support.*', '/topic/room.support-inbox'],
    );
    const boot = (opts: object): string =>
      page(`${snippet(loader)}\nParley('boot', ${JSON.stringify(opts)});`);
    host = await hostPages({
      '/visitor': { body: boot({ conversation: 'support', token: visitor }) },
      '/agent': { body: boot({ conversation: 'support', agent: true, token: agent }) },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await relay?.stop();
  });

  it('the visitor writes without the agent chunk; the agent sees the conversation', async () => {
    const ctx = await browser.newContext({ locale: 'en-US' });
    const visitor = await ctx.newPage();
    const agent = await ctx.newPage();
    const problems = [await watchProblems(visitor), await watchProblems(agent)];
    const loaded = (p: typeof visitor): string[] => {
      const urls: string[] = [];
      p.on('request', (r) => urls.push(r.url()));
      return urls;
    };
    const visitorUrls = loaded(visitor);
    const agentUrls = loaded(agent);
    await visitor.goto(`${host.url}/visitor`);
    await openPanel(visitor);
    await waitConnected(visitor);
    await say(visitor, 'I need help');
    await visitor.locator(`${W.bubble}.sent`).waitFor();

    await agent.goto(`${host.url}/agent`);
    await agent.locator(W.launcher).click();
    const conversation = agent.locator('parley-widget .conversation', { hasText: 'Vera' });
    await conversation.waitFor({ timeout: 20_000 });
    expect(await conversation.innerText()).toContain('I need help');
    await conversation.click();
    await agent.locator(W.bubble, { hasText: 'I need help' }).waitFor();
    await say(agent, 'How can I help?');
    await visitor.locator(W.bubble, { hasText: 'How can I help?' }).waitFor();

    const agentChunk = (u: string): boolean => /\/widget\/agent\.[0-9a-f]+\.js$/.test(u);
    expect(visitorUrls.filter(agentChunk)).toEqual([]);
    expect(agentUrls.filter(agentChunk)).toHaveLength(1);
    for (const p of problems) expect(await p()).toEqual([]);
    await ctx.close();
  });
});
