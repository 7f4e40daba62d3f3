/**
 * Whether a keydown in the composer sends the message: Enter without Shift, and never while an
 * input method is composing (Korean, Japanese, Chinese…). Browsers differ in how they say so:
 * `isComposing` (Chrome, Firefox), `keyCode` 229 (Safari sends the Enter that ends a
 * composition after `compositionend`), and our own compositionstart/end flag.
 */
export function sendsOnEnter(
  e: Pick<KeyboardEvent, 'key' | 'shiftKey' | 'isComposing' | 'keyCode'>,
  composing: boolean,
): boolean {
  return e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229 && !composing;
}
