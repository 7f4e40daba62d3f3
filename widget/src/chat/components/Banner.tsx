/** The reconnect (or failure) banner, read out once when it appears. */
export function Banner({ text }: { text: string }) {
  return (
    <p class="banner" role="alert">
      {text}
    </p>
  );
}
