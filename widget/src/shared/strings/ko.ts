import type { ChatStrings } from '../i18n.js';

/** The chat panel in Korean. */
const strings: ChatStrings = {
  title: '채팅',
  supportTitle: '고객 지원',
  inboxTitle: '대화 목록',
  online: (n) => `${n}명 접속 중`,
  connecting: '연결 중…',
  connected: '연결됨',
  offline: '오프라인',
  reconnecting: '연결이 끊겼습니다. 다시 연결하는 중… 보낸 메시지는 연결되면 전송됩니다.',
  failed: '연결할 수 없습니다.',
  placeholder: '메시지를 입력하세요…',
  send: '보내기',
  sending: '보내는 중…',
  failedToSend: '전송 실패.',
  retry: '다시 시도',
  seen: '읽음',
  you: '나',
  typing: (names) =>
    names.length === 1 ? `${names[0]} 님이 입력 중…` : `${names.length}명이 입력 중…`,
  newMessages: '새 메시지',
  loadingOlder: '이전 메시지를 불러오는 중…',
  empty: '아직 메시지가 없습니다. 인사해 보세요!',
  noConversations: '열린 대화가 없습니다.',
  back: '대화 목록으로',
  close: '채팅 닫기',
  messageFrom: (who, text) => `${who}: ${text}`,
  messages: '메시지',
};

export default strings;
