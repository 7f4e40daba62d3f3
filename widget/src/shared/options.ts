import type { Locale } from './i18n.js';

/** A JWT, or how to get one. */
export type TokenProvider = () => Promise<string> | string;

/** Colors and look, all optional; each becomes a CSS custom property on the widget. */
export interface ThemeOptions {
  /** `--parley-accent`: launcher, own messages, buttons. */
  accent?: string;
  /** `--parley-accent-text`: text on the accent color. */
  accentText?: string;
  /** `--parley-radius`: corner radius of the panel. */
  radius?: string;
  /** `--parley-font`: font family. */
  font?: string;
}

/** Options of `Parley('boot', options)`. */
export interface BootOptions {
  /** The relay's base URL (`https://chat.example.com`); defaults to the origin the loader came from. */
  relay?: string;
  /** Chat in one room, e.g. `'lobby'` (the destination `/topic/room.lobby`). */
  room?: string;
  /** `'support'`: each visitor gets their own room `support.<user id>`. */
  conversation?: 'support';
  /** With `conversation: 'support'`: list open conversations and answer them (an agent's token). */
  agent?: boolean;
  /** A JWT, or a function returning one (called before each connect and before `exp`). */
  token?: string | TokenProvider;
  /** Your endpoint that returns a JWT: POSTed with credentials, answering `{"token"}` or the token as text. */
  tokenUrl?: string;
  /** Ask the relay for a guest token (`POST /api/guest`); needs guest mode on the relay. */
  guest?: boolean;
  /** `'auto'` (default): connect once the page is idle, so unread messages light the badge; `'on-open'`: only when opened. */
  connect?: 'auto' | 'on-open';
  /** Panel title. */
  title?: string;
  /** `'en'`, `'ko'`, `'ar'`; default: the browser's language. */
  locale?: Locale | string;
  /** `'light'`, `'dark'` or `'auto'` (the system's, default). */
  colorScheme?: 'light' | 'dark' | 'auto';
  /** Launcher corner. Default `'right'` (`'left'` in right-to-left locales). */
  position?: 'left' | 'right';
  theme?: ThemeOptions;
  /** Open the panel at boot. */
  open?: boolean;
}

/** A user change at run time: `Parley('identify', {...})`. */
export type Identity = Pick<BootOptions, 'token' | 'tokenUrl' | 'guest'>;

const CSS_VALUE = /^[^;{}<>\\]{1,200}$/;

/** Theme options as CSS custom property declarations; values that could break out are dropped. */
export function themeDeclarations(theme: ThemeOptions | undefined): string {
  if (!theme) return '';
  const map: Array<[keyof ThemeOptions, string]> = [
    ['accent', '--parley-accent'],
    ['accentText', '--parley-accent-text'],
    ['radius', '--parley-radius'],
    ['font', '--parley-font'],
  ];
  return map
    .filter(([k]) => typeof theme[k] === 'string' && CSS_VALUE.test(theme[k]))
    .map(([k, prop]) => `${prop}:${theme[k]}`)
    .join(';');
}

/** The relay's http(s) base URL: the `relay` option, or the loader's own origin. */
export function relayBase(options: BootOptions, loaderUrl: string): URL {
  return new URL(options.relay ?? loaderUrl, loaderUrl);
}

/** The relay's WebSocket endpoint for an http(s) base. */
export function wsUrl(base: URL): string {
  return `${base.protocol === 'https:' ? 'wss:' : 'ws:'}//${base.host}/ws`;
}
