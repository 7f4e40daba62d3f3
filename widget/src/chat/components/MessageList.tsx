import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ChatContext } from '../context.js';
import type { ChatController, ChatState } from '../controller.js';
import { group } from '../messages.js';
import { JumpToNew } from './JumpToNew.js';
import { MessageGroup } from './MessageGroup.js';

export interface MessageListProps {
  ctx: ChatContext;
  controller: ChatController;
  state: ChatState;
}

const NEAR_BOTTOM_PX = 48;

/**
 * The conversation. Follows new messages while scrolled to the bottom; otherwise offers a jump
 * to them. Scrolling to the top loads older messages and keeps the view where it was.
 */
export function MessageList({ ctx, controller, state }: MessageListProps) {
  const strings = ctx.strings;
  const list = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [unseen, setUnseen] = useState(false);
  const groups = useMemo(() => group(state.messages), [state.messages]);
  const lastMine = [...state.messages].reverse().find((m) => m.mine && m.status === 'sent')?.key;
  const previous = useRef({ count: 0, first: '', height: 0 });

  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const before = previous.current;
    const first = state.messages[0]?.key ?? '';
    if (before.first && first !== before.first && before.count > 0 && !atBottom.current) {
      // Older messages were added above: keep what the reader was looking at in place.
      el.scrollTop += el.scrollHeight - before.height;
    } else if (atBottom.current || state.messages[state.messages.length - 1]?.mine) {
      el.scrollTop = el.scrollHeight;
      atBottom.current = true;
      setUnseen(false);
    } else if (state.messages.length > before.count) {
      setUnseen(true);
    }
    previous.current = { count: state.messages.length, first, height: el.scrollHeight };
  }, [state.messages]);

  const onScroll = (): void => {
    const el = list.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    previous.current.height = el.scrollHeight;
    if (atBottom.current) {
      setUnseen(false);
      controller.markSeen();
    }
    if (el.scrollTop < 40) void controller.loadOlder();
  };
  const jump = (): void => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  return (
    <div class="list-wrap">
      <div
        class="list"
        ref={list}
        onScroll={onScroll}
        tabIndex={0}
        aria-label={strings.messages}
        role="region"
      >
        {state.loadingOlder && <p class="note">{strings.loadingOlder}</p>}
        {groups.length === 0 ? (
          <p class="note">{state.connection === 'connected' ? strings.empty : ''}</p>
        ) : (
          <ol class="groups" role="list">
            {groups.map((g) => (
              <MessageGroup
                key={g.key}
                group={g}
                locale={ctx.locale}
                strings={strings}
                readUpTo={state.readUpTo}
                lastMine={lastMine}
              />
            ))}
          </ol>
        )}
      </div>
      {unseen && <JumpToNew label={strings.newMessages} onJump={jump} />}
    </div>
  );
}
