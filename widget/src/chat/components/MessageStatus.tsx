import type { ChatStrings } from '../../shared/i18n.js';
import type { ViewMessage } from '../messages.js';

/** Sending / not sent + retry / seen, under one of the visitor's own messages. */
export function MessageStatus({
  message,
  seen,
  strings,
}: {
  message: ViewMessage;
  seen: boolean;
  strings: ChatStrings;
}) {
  if (message.status === 'failed') {
    return (
      <span class="state failed">
        {strings.failedToSend}{' '}
        <button type="button" class="retry" onClick={() => message.retry?.()}>
          {strings.retry}
        </button>
      </span>
    );
  }
  if (message.status === 'pending') return <span class="state">{strings.sending}</span>;
  return seen ? <span class="state">{strings.seen}</span> : null;
}
