import { useEffect, useState } from 'preact/hooks';
import type { ChatContext } from '../context.js';
import type { ChatController } from '../controller.js';
import { useChatState } from '../use-controller.js';
import { LiveRegion } from './LiveRegion.js';
import { Panel } from './Panel.js';

export interface AppProps {
  ctx: ChatContext;
  controller: ChatController;
}

/** The chat: the panel while open, and the live region that announces new messages. */
export function App({ ctx, controller }: AppProps) {
  const [open, setOpen] = useState(ctx.isOpen());
  const state = useChatState(controller);
  useEffect(() => ctx.onOpenChange(setOpen), [ctx]);
  return (
    <>
      {open && <Panel ctx={ctx} controller={controller} state={state} />}
      <LiveRegion text={open ? state.announcement : ''} />
    </>
  );
}
