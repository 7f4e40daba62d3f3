import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatContext } from '../context.js';
import type { ChatController, ChatState } from '../controller.js';
import { useFullScreen, useMobile } from '../mobile.js';
import { Banner } from './Banner.js';
import { Composer } from './Composer.js';
import { Header } from './Header.js';
import { MessageList } from './MessageList.js';
import { TypingLine } from './TypingLine.js';

export interface PanelProps {
  ctx: ChatContext;
  controller: ChatController;
  state: ChatState;
}

const FOCUSABLE = 'button:not([disabled]),textarea,a[href],[tabindex="0"]';

/**
 * The chat panel: a dialog (modal when full-screen on a phone). Escape closes it and focus goes
 * back to the launcher; on a phone, Tab stays inside it.
 */
export function Panel({ ctx, controller, state }: PanelProps) {
  const strings = ctx.strings;
  const [panel, setPanel] = useState<HTMLElement | null>(null);
  const mobile = useMobile();
  const returnFocus = useRef(true);
  useFullScreen(panel, mobile);

  useEffect(() => {
    return () => {
      // Closed from anywhere (Escape, close button, launcher, the page's API): back to the launcher.
      if (returnFocus.current && ctx.root.activeElement !== ctx.launcher) ctx.launcher.focus();
    };
  }, [ctx]);

  const close = (): void => ctx.setOpen(false);
  const onKeyDown = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      close();
    } else if (e.key === 'Tab' && mobile && panel) {
      const items = [...panel.querySelectorAll<HTMLElement>(FOCUSABLE)];
      const first = items[0];
      const last = items[items.length - 1];
      const active = ctx.root.activeElement;
      if (e.shiftKey && active === first) {
        e.preventDefault();
        last?.focus();
      } else if (!e.shiftKey && active === last) {
        e.preventDefault();
        first?.focus();
      }
    }
  };
  const inInbox = state.agent && state.room === undefined;
  return (
    <section
      ref={setPanel}
      class={mobile ? 'panel full' : 'panel'}
      role="dialog"
      aria-modal={mobile ? 'true' : undefined}
      aria-labelledby="parley-title"
      onKeyDown={onKeyDown}
    >
      <Header ctx={ctx} controller={controller} state={state} onClose={close} />
      {state.banner && <Banner text={strings.reconnecting} />}
      {state.connection === 'failed' && <Banner text={strings.failed} />}
      {inInbox ? (
        controller.agent && (
          <controller.agent.Inbox ctx={ctx} controller={controller} state={state} />
        )
      ) : (
        <>
          <MessageList ctx={ctx} controller={controller} state={state} />
          <TypingLine names={state.typing.map((u) => u.name ?? u.id)} strings={strings} />
          <Composer ctx={ctx} controller={controller} />
        </>
      )}
    </section>
  );
}
