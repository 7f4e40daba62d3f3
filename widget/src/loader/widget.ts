import { CHAT_FILE, STRINGS_FILES } from 'parley:manifest';
import { PANEL_ID } from '../shared/constants.js';
import type { ChatContext, ChatInstance, MountChat } from '../shared/contract.js';
import { isRtl, LAUNCHER_STRINGS, pickLocale } from '../shared/i18n.js';
import type { ChatStrings } from '../shared/i18n.js';
import type { BootOptions, Identity } from '../shared/options.js';
import { relayBase, themeDeclarations } from '../shared/options.js';
import { Events } from './events.js';
import { createHost } from './host.js';
import type { Host } from './host.js';
import { createLauncher } from './launcher.js';
import type { Launcher } from './launcher.js';

type Args = unknown[];

interface Booted {
  host: Host;
  launcher: Launcher;
  ctx: ChatContext;
  chat?: Promise<ChatInstance | undefined>;
}

/**
 * The widget behind the global function: runs the page's commands (`boot`, `on`, `off`,
 * `open`, `close`, `toggle`, `identify`, `shutdown`), draws the launcher and loads the chat
 * chunk when it is needed.
 */
export class Widget {
  readonly #events = new Events();
  readonly #scriptUrl: string;
  #booted: Booted | undefined;
  #open = false;
  #unread = 0;
  #openAtBoot = false;
  #identity: Identity | undefined;
  readonly #openListeners = new Set<(open: boolean) => void>();

  constructor(scriptUrl: string) {
    this.#scriptUrl = scriptUrl;
  }

  run(command: unknown, args: Args): unknown {
    switch (command) {
      case 'boot':
        return this.#boot((args[0] ?? {}) as BootOptions);
      case 'on':
        return this.#events.on(String(args[0]), args[1] as (d: unknown) => void);
      case 'off':
        return this.#events.off(String(args[0]), args[1] as (d: unknown) => void);
      case 'open':
        return this.#setOpen(true);
      case 'close':
        return this.#setOpen(false);
      case 'toggle':
        return this.#setOpen(!this.#open);
      case 'identify':
        return this.#identify((args[0] ?? {}) as Identity);
      case 'shutdown':
        return this.#shutdown();
      default:
        throw new TypeError(`Parley: unknown command ${String(command)}`);
    }
  }

  #boot(input: BootOptions): void {
    // A second boot is a no-op: one launcher, one socket.
    if (this.#booted) return;
    if (!document.body) {
      document.addEventListener('DOMContentLoaded', () => this.#boot(input), { once: true });
      return;
    }
    const options: BootOptions = { ...input, ...this.#identity };
    const locale = pickLocale(options.locale, navigator.languages ?? [navigator.language]);
    const rtl = isRtl(locale);
    const theme = themeDeclarations(options.theme);
    const host = createHost(document, theme ? `:host{${theme}}` : '');
    host.element.dataset.scheme = options.colorScheme ?? 'auto';
    host.element.dataset.position = options.position ?? (rtl ? 'left' : 'right');
    const container = document.createElement('div');
    container.id = PANEL_ID;
    container.dir = rtl ? 'rtl' : 'ltr';
    container.lang = locale;
    host.root.appendChild(container);
    const launcher = createLauncher(host.root, LAUNCHER_STRINGS[locale]);
    launcher.button.addEventListener('click', () => this.#setOpen(!this.#open));
    const ctx: ChatContext = {
      root: host.root,
      container,
      launcher: launcher.button,
      options,
      relay: relayBase(options, this.#scriptUrl),
      locale,
      rtl,
      isOpen: () => this.#open,
      onOpenChange: (fn) => {
        this.#openListeners.add(fn);
        return () => this.#openListeners.delete(fn);
      },
      setOpen: (open) => this.#setOpen(open),
      setUnread: (n) => {
        if (n === this.#unread) return;
        this.#unread = n;
        this.#draw();
        this.#events.emit('unread', { count: n });
      },
      emit: (event, detail) => this.#events.emit(event, detail),
    };
    this.#booted = { host, launcher, ctx };
    this.#events.emit('ready', { locale });
    if (options.open || this.#openAtBoot) this.#setOpen(true);
    else if (options.connect !== 'on-open') {
      const idle = window.requestIdleCallback ?? ((fn: () => void) => setTimeout(fn, 200));
      idle(() => void this.#loadChat());
    }
  }

  #loadChat(): Promise<ChatInstance | undefined> {
    const booted = this.#booted;
    if (!booted) return Promise.resolve(undefined);
    const file = (name: string): Promise<unknown> => import(new URL(name, this.#scriptUrl).href);
    const strings = STRINGS_FILES[booted.ctx.locale];
    booted.chat ??= Promise.all([
      file(CHAT_FILE) as Promise<{ mount: MountChat }>,
      strings ? (file(strings) as Promise<{ default: ChatStrings }>) : undefined,
    ]).then(
      ([mod, loaded]) =>
        this.#booted === booted
          ? mod.mount({ ...booted.ctx, ...(loaded && { strings: loaded.default }) })
          : undefined,
      (err: unknown) => {
        booted.chat = undefined;
        console.error('Parley: the chat could not be loaded', err);
        return undefined;
      },
    );
    return booted.chat;
  }

  #setOpen(open: boolean): void {
    if (!this.#booted) {
      this.#openAtBoot = open;
      return;
    }
    if (open === this.#open) return;
    const { root, element } = this.#booted.host;
    // Closing from inside the panel (Escape, its close button): focus goes back to the launcher.
    const focusInside = !open && root.activeElement !== null;
    this.#open = open;
    element.toggleAttribute('data-open', open);
    this.#draw();
    if (open) void this.#loadChat();
    for (const fn of [...this.#openListeners]) fn(open);
    if (focusInside) this.#booted?.launcher.button.focus();
    this.#events.emit(open ? 'open' : 'close', {});
  }

  #draw(): void {
    this.#booted?.launcher.update(this.#open, this.#unread);
  }

  #identify(identity: Identity): void {
    this.#identity = identity;
    const booted = this.#booted;
    if (!booted) return;
    Object.assign(booted.ctx.options, identity);
    void booted.chat?.then((chat) => chat?.identify(identity));
  }

  #shutdown(): void {
    const booted = this.#booted;
    if (!booted) return;
    this.#booted = undefined;
    this.#open = false;
    this.#unread = 0;
    this.#openListeners.clear();
    void booted.chat?.then((chat) => chat?.destroy());
    booted.host.remove();
  }
}
