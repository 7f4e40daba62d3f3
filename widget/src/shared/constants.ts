/** The one global the widget defines, unless the script tag says `data-parley-name`. */
export const DEFAULT_GLOBAL = 'Parley';
/** Prefix of the window CustomEvents (`parley:ready`, `parley:message`…). */
export const EVENT_PREFIX = 'parley:';
/** The events a page can listen to, with `Parley('on', name, fn)` or as window CustomEvents. */
export const EVENTS = ['ready', 'message', 'unread', 'open', 'close', 'connection'] as const;
export type WidgetEvent = (typeof EVENTS)[number];
/** The host element's tag: a custom-element name, so page rules for `div` never reach it. */
export const HOST_TAG = 'parley-widget';
/** The panel's id inside the shadow root (the launcher's `aria-controls`). */
export const PANEL_ID = 'parley-panel';
/** localStorage key of the guest id (the id only, never a token). */
export const GUEST_ID_KEY = 'parley.guestId';
/** Below this width the panel is full-screen. */
export const MOBILE_MAX_WIDTH = 640;
/** Offline this long before the reconnect banner shows. */
export const BANNER_DELAY_MS = 3000;
/** Messages per history page. */
export const HISTORY_PAGE = 30;
/** Longest message a visitor may send, in characters. */
export const MAX_MESSAGE_CHARS = 4000;
/** The support inbox room agents follow (`/topic/room.support-inbox`). */
export const SUPPORT_INBOX_ROOM = 'support-inbox';
