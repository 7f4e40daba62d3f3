/**
 * Agent mode (`conversation: 'support'` with `agent: true`): the inbox of support conversations.
 * Its own lazy chunk (`agent.<hash>.js`), imported by the controller only for agents: visitors
 * never download it.
 */
import type { ChatMessage, ParleyClient } from '@parley/sdk';
import { SUPPORT_INBOX_ROOM } from '../shared/constants.js';
import type { ChatContext } from './context.js';
import type { ChatController, ChatState } from './controller.js';
import { page } from './history.js';
import { formatTime } from './format.js';
import { textOf } from './messages.js';

/** The inbox's styles, adopted when the agent chunk loads. */
export const INBOX_CSS = `
.inbox{list-style:none;margin:0;padding:0}
.conversation{all:unset;box-sizing:border-box;display:grid;grid-template-columns:1fr auto;gap:2px 8px;width:100%;padding:12px 16px;
border-bottom:1px solid var(--parley-border);cursor:pointer}
.conversation:hover{background:var(--parley-bubble)}
.conversation:focus-visible{outline:3px solid var(--parley-focus);outline-offset:-3px}
.who{font-weight:600;display:flex;gap:6px;align-items:center;overflow:hidden}
.count{min-width:20px;padding:0 6px;border-radius:10px;background:var(--parley-accent);color:var(--parley-accent-text);font-size:12px;text-align:center}
.preview{grid-column:1;color:var(--parley-muted);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.when{grid-row:1;grid-column:2;font-size:12px;color:var(--parley-muted)}
`;

/**
 * Follows the announcement room: one conversation per visitor, newest first, with an unread count
 * for live messages outside the open conversation. Returns the function that stops following.
 */
export function followInbox(
  client: ParleyClient,
  get: () => ChatState,
  set: (patch: Partial<ChatState>) => void,
): () => void {
  const inbox = client.room(SUPPORT_INBOX_ROOM);
  const add = (list: readonly ChatMessage[], live: boolean): void => {
    const state = get();
    const byUser = new Map(state.conversations.map((c) => [c.userId, c] as const));
    for (const m of list) {
      // The room comes from the verified sender, never from the body.
      const old = byUser.get(m.sender.id);
      const active = state.room === `support.${m.sender.id}`;
      byUser.set(m.sender.id, {
        userId: m.sender.id,
        ...(m.sender.name !== undefined && { name: m.sender.name }),
        last: textOf(m.body, m.headers['content-type']),
        time: m.timestamp,
        unread: live && !active ? (old?.unread ?? 0) + 1 : (old?.unread ?? 0),
      });
    }
    set({
      conversations: [...byUser.values()].sort((a, b) => b.time.getTime() - a.time.getTime()),
    });
  };
  const off = inbox.on('message', (m) => add([m], true));
  const offConnected = client.on('connected', () => {
    void page(inbox).then((latest) => latest && add(latest.messages, false));
  });
  if (client.state === 'connected') void page(inbox).then((l) => l && add(l.messages, false));
  return () => {
    off();
    offConnected();
  };
}

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
