/** Shown while scrolled up when new messages arrive. */
export function JumpToNew({ label, onJump }: { label: string; onJump: () => void }) {
  return (
    <button type="button" class="jump" onClick={onJump}>
      {label} <span aria-hidden="true">↓</span>
    </button>
  );
}
