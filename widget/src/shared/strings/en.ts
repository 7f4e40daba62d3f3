import type { ChatStrings } from '../i18n.js';

/** The chat panel in English. */
const strings: ChatStrings = {
  title: 'Chat',
  supportTitle: 'Support',
  inboxTitle: 'Conversations',
  online: (n) => `${n} online`,
  connecting: 'Connecting…',
  connected: 'Connected',
  offline: 'Offline',
  reconnecting: 'Connection lost. Reconnecting… Messages you send will go out when it is back.',
  failed: 'Could not connect.',
  placeholder: 'Write a message…',
  send: 'Send',
  sending: 'Sending…',
  failedToSend: 'Not sent.',
  retry: 'Retry',
  seen: 'Seen',
  you: 'You',
  typing: (names) =>
    names.length === 1 ? `${names[0]} is typing…` : `${names.length} people are typing…`,
  newMessages: 'New messages',
  loadingOlder: 'Loading older messages…',
  empty: 'No messages yet. Say hello!',
  noConversations: 'No open conversations.',
  back: 'Back to conversations',
  close: 'Close chat',
  messageFrom: (who, text) => `${who}: ${text}`,
  messages: 'Messages',
};

export default strings;
