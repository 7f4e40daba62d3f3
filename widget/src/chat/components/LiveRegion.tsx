/** A polite live region: screen readers read new messages without moving focus. */
export function LiveRegion({ text }: { text: string }) {
  return (
    <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">
      {text}
    </div>
  );
}
