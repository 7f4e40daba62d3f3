import type { ChatStrings } from '../../shared/i18n.js';

/** "Alice is typing…" (space kept so the list does not jump). */
export function TypingLine({ names, strings }: { names: string[]; strings: ChatStrings }) {
  return <p class="typing">{names.length > 0 ? strings.typing(names) : ''}</p>;
}
