import { useEffect, useRef } from 'preact/hooks';
import { MAX_MESSAGE_CHARS } from '../../shared/constants.js';
import type { ChatContext } from '../context.js';
import type { ChatController } from '../controller.js';
import { sendsOnEnter } from '../ime.js';

/**
 * The message box. Enter sends, Shift+Enter breaks the line, and an Enter that ends (or falls
 * inside) an IME composition never sends: the composed text stays until the next Enter.
 */
export function Composer({ ctx, controller }: { ctx: ChatContext; controller: ChatController }) {
  const strings = ctx.strings;
  const box = useRef<HTMLTextAreaElement>(null);
  const composing = useRef(false);

  useEffect(() => box.current?.focus(), []);

  const submit = (): void => {
    const el = box.current;
    if (!el || composing.current) return;
    if (controller.send(el.value)) el.value = '';
    el.focus();
  };
  const onKeyDown = (e: KeyboardEvent): void => {
    if (e.key !== 'Enter') return;
    if (sendsOnEnter(e, composing.current)) {
      e.preventDefault();
      submit();
    }
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <textarea
        ref={box}
        rows={1}
        maxLength={MAX_MESSAGE_CHARS}
        aria-label={strings.placeholder}
        placeholder={strings.placeholder}
        onKeyDown={onKeyDown}
        onCompositionStart={() => (composing.current = true)}
        onCompositionEnd={() => (composing.current = false)}
        onInput={() => controller.typing()}
      />
      <button type="submit" class="send">
        {strings.send}
      </button>
    </form>
  );
}
