import type { ChatContext } from '../context.js';
import type { ChatController, ChatState } from '../controller.js';

export interface HeaderProps {
  ctx: ChatContext;
  controller: ChatController;
  state: ChatState;
  onClose: () => void;
}

/** Title, online count or connection state, a back button (agents) and the close button. */
export function Header({ ctx, controller, state, onClose }: HeaderProps) {
  const strings = ctx.strings;
  const support = ctx.options.conversation === 'support';
  const inConversation = state.agent && state.room !== undefined;
  const active = state.conversations.find((c) => `support.${c.userId}` === state.room);
  const title = inConversation
    ? (active?.name ?? active?.userId ?? strings.supportTitle)
    : state.agent
      ? strings.inboxTitle
      : (ctx.options.title ?? (support ? strings.supportTitle : strings.title));
  const status =
    state.connection !== 'connected'
      ? strings[state.connection === 'reconnecting' ? 'offline' : state.connection]
      : state.online !== undefined
        ? strings.online(state.online)
        : strings.connected;
  return (
    <header class="header">
      {inConversation && (
        <button
          type="button"
          class="icon back"
          aria-label={strings.back}
          onClick={() => controller.closeRoom()}
        >
          <span aria-hidden="true">{ctx.rtl ? '→' : '←'}</span>
        </button>
      )}
      <div class="titles">
        <h2 id="parley-title">{title}</h2>
        <p class={`status ${state.connection}`}>
          <span class="dot" aria-hidden="true" />
          {status}
        </p>
      </div>
      <button type="button" class="icon" aria-label={strings.close} onClick={onClose}>
        <span aria-hidden="true">×</span>
      </button>
    </header>
  );
}
