import type { ChatStrings } from '../../shared/i18n.js';
import { formatTime, isoTime } from '../format.js';
import type { Group } from '../messages.js';
import { MessageStatus } from './MessageStatus.js';
import { MessageText } from './MessageText.js';

export interface MessageGroupProps {
  group: Group;
  locale: string;
  strings: ChatStrings;
  /** Offset up to which someone else has read. */
  readUpTo: number;
  /** Key of the visitor's newest sent message (the only one that says "Seen"). */
  lastMine: string | undefined;
}

/** Consecutive messages of one sender: their name once, then the bubbles with times. */
export function MessageGroup({ group, locale, strings, readUpTo, lastMine }: MessageGroupProps) {
  const who = group.mine ? strings.you : (group.senderName ?? group.senderId);
  return (
    <li class={group.mine ? 'group mine' : 'group'}>
      <p class="sender">
        <bdi>{who}</bdi>
      </p>
      <ul class="bubbles" role="list">
        {group.messages.map((m) => (
          <li key={m.key} class={`bubble ${m.status ?? ''}`}>
            <span class="sr-only">{who}: </span>
            <MessageText text={m.text} />
            <span class="meta">
              <time dateTime={isoTime(m.time)}>{formatTime(m.time, locale)}</time>
              {m.mine && (
                <MessageStatus
                  message={m}
                  strings={strings}
                  seen={m.key === lastMine && m.offset <= readUpTo}
                />
              )}
            </span>
          </li>
        ))}
      </ul>
    </li>
  );
}
