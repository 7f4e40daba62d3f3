/** Message times in the visitor's locale (Intl): a time today, a date and time otherwise. */
export function formatTime(date: Date, locale: string, now = new Date()): string {
  const sameDay = date.toDateString() === now.toDateString();
  return new Intl.DateTimeFormat(locale, {
    ...(sameDay ? {} : { month: 'short', day: 'numeric' }),
    hour: 'numeric',
    minute: '2-digit',
  }).format(date);
}

/** A machine-readable time for `<time datetime>`. */
export function isoTime(date: Date): string {
  return date.toISOString();
}
