/**
 * What the loader hands the chat chunk, and what the chunk gives back. The only link between
 * the two files: the chunk never reads the loader's globals.
 */
import type { WidgetEvent } from './constants.js';
import type { ChatStrings, Locale } from './i18n.js';
import type { BootOptions, Identity } from './options.js';

export interface ChatContext {
  /** The widget's shadow root (open). */
  root: ShadowRoot;
  /** The element the panel renders into. */
  container: HTMLElement;
  /** The launcher button (focus returns here when the panel closes). */
  launcher: HTMLButtonElement;
  options: BootOptions;
  /** The relay's http(s) base URL. */
  relay: URL;
  locale: Locale;
  /** The panel's strings for `locale`, loaded beside the chunk; absent for English (built in). */
  strings?: ChatStrings;
  rtl: boolean;
  /** Whether the panel is open now. */
  isOpen(): boolean;
  /** Calls `fn` whenever the panel opens or closes; returns the unsubscribe function. */
  onOpenChange(fn: (open: boolean) => void): () => void;
  /** Opens or closes the panel (the loader keeps the state, the launcher and the events). */
  setOpen(open: boolean): void;
  /** The unread count shown on the launcher badge. */
  setUnread(count: number): void;
  /** Fires a widget event (callbacks and the window CustomEvent). */
  emit(event: WidgetEvent, detail: unknown): void;
}

/** The mounted chat. */
export interface ChatInstance {
  /** Switches to another user: closes the connection and connects with the new identity. */
  identify(identity: Identity): void;
  /** Disconnects, removes the panel and every listener. */
  destroy(): void;
}

/** The chat chunk's one export. */
export type MountChat = (ctx: ChatContext) => ChatInstance;

export type { Locale };
