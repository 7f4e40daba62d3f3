/**
 * The chat chunk: Preact, the SDK and the panel, loaded by the loader with `import()` the first
 * time it is needed. Its one export is {@link mount}.
 */
import { render } from 'preact';
import type { ChatContext as LoaderContext, ChatInstance } from '../shared/contract.js';
import en from '../shared/strings/en.js';
import type { ChatContext } from './context.js';
import { sheet } from '../loader/styles.js';
import { App } from './components/App.js';
import { ChatController } from './controller.js';
import { CHAT_CSS } from './styles.js';

export function mount(loaderCtx: LoaderContext): ChatInstance {
  const ctx: ChatContext = { ...loaderCtx, strings: loaderCtx.strings ?? en };
  const styles = sheet(CHAT_CSS);
  ctx.root.adoptedStyleSheets = [...ctx.root.adoptedStyleSheets, styles];
  const controller = new ChatController(ctx);
  render(<App ctx={ctx} controller={controller} />, ctx.container);
  controller.start();
  return {
    identify: (identity) => controller.identify(identity),
    destroy: () => {
      controller.destroy();
      render(null, ctx.container);
      ctx.root.adoptedStyleSheets = ctx.root.adoptedStyleSheets.filter((s) => s !== styles);
    },
  };
}
