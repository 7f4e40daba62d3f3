import type { ChatContext } from '../context.js';
import type { ChatController, ChatState } from '../controller.js';
import { formatTime } from '../format.js';

/** Agents: the open support conversations, newest first. */
export function Inbox({
  ctx,
  controller,
  state,
}: {
  ctx: ChatContext;
  controller: ChatController;
  state: ChatState;
}) {
  const strings = ctx.strings;
  if (state.conversations.length === 0) return <p class="note grow">{strings.noConversations}</p>;
  return (
    <ul class="inbox grow" role="list">
      {state.conversations.map((c) => (
        <li key={c.userId}>
          <button
            type="button"
            class="conversation"
            onClick={() => controller.openRoom(`support.${c.userId}`)}
          >
            <span class="who">
              <bdi>{c.name ?? c.userId}</bdi>
              {c.unread > 0 && <span class="count">{c.unread}</span>}
            </span>
            <span class="preview">
              <bdi>{c.last}</bdi>
            </span>
            <time class="when">{formatTime(c.time, ctx.locale)}</time>
          </button>
        </li>
      ))}
    </ul>
  );
}
