import type { ChatStrings } from '../i18n.js';

/** The chat panel in Arabic (right to left). */
const strings: ChatStrings = {
  title: 'محادثة',
  supportTitle: 'الدعم',
  inboxTitle: 'المحادثات',
  online: (n) => `${n} متصل`,
  connecting: 'جارٍ الاتصال…',
  connected: 'متصل',
  offline: 'غير متصل',
  reconnecting: 'انقطع الاتصال. جارٍ إعادة الاتصال… ستُرسل رسائلك عند عودته.',
  failed: 'تعذّر الاتصال.',
  placeholder: 'اكتب رسالة…',
  send: 'إرسال',
  sending: 'جارٍ الإرسال…',
  failedToSend: 'لم تُرسل.',
  retry: 'أعد المحاولة',
  seen: 'شوهدت',
  you: 'أنت',
  typing: (names) => (names.length === 1 ? `${names[0]} يكتب…` : `${names.length} أشخاص يكتبون…`),
  newMessages: 'رسائل جديدة',
  loadingOlder: 'جارٍ تحميل الرسائل السابقة…',
  empty: 'لا رسائل بعد. قل مرحبًا!',
  noConversations: 'لا محادثات مفتوحة.',
  back: 'العودة إلى المحادثات',
  close: 'أغلق المحادثة',
  messageFrom: (who, text) => `${who}: ${text}`,
  messages: 'الرسائل',
};

export default strings;
