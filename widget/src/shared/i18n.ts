/** Every string the widget shows, in English, Korean and Arabic (the right-to-left proof). */
export type Locale = 'en' | 'ko' | 'ar';

export const LOCALES: readonly Locale[] = ['en', 'ko', 'ar'];
const RTL: readonly string[] = ['ar', 'he', 'fa', 'ur'];

/** The loader's strings (kept apart so the loader carries only these). */
export interface LauncherStrings {
  open: string;
  close: string;
  /** Appended to the launcher's label when there are unread messages. */
  unread: (n: number) => string;
}

export const LAUNCHER_STRINGS: Record<Locale, LauncherStrings> = {
  en: {
    open: 'Open chat',
    close: 'Close chat',
    unread: (n) => `, ${n} unread message${n === 1 ? '' : 's'}`,
  },
  ko: { open: '채팅 열기', close: '채팅 닫기', unread: (n) => `, 읽지 않은 메시지 ${n}개` },
  ar: { open: 'افتح المحادثة', close: 'أغلق المحادثة', unread: (n) => `، ${n} رسائل غير مقروءة` },
};

/** The chat panel's strings: one file per locale in strings/ (English is in the chat chunk, the
 * others load beside it). */
export interface ChatStrings {
  title: string;
  supportTitle: string;
  inboxTitle: string;
  online: (n: number) => string;
  connecting: string;
  connected: string;
  offline: string;
  reconnecting: string;
  failed: string;
  placeholder: string;
  send: string;
  sending: string;
  failedToSend: string;
  retry: string;
  seen: string;
  you: string;
  typing: (names: string[]) => string;
  newMessages: string;
  loadingOlder: string;
  empty: string;
  noConversations: string;
  back: string;
  close: string;
  messageFrom: (who: string, text: string) => string;
  messages: string;
}

/** The widget's locale: the option if supported, else the first supported browser language. */
export function pickLocale(option: string | undefined, languages: readonly string[]): Locale {
  for (const tag of [option, ...languages]) {
    const base = tag?.toLowerCase().split('-')[0];
    if (base && (LOCALES as readonly string[]).includes(base)) return base as Locale;
  }
  return 'en';
}

/** Whether a language tag is written right to left. */
export function isRtl(locale: string): boolean {
  return RTL.includes(locale.toLowerCase().split('-')[0] ?? '');
}
