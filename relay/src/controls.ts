/**
 * Control characters (Unicode category Cc: C0, DEL and C1), refused in destinations, user ids and
 * anything else the relay treats as a name. One definition for every check.
 */
const CONTROL = /\p{Cc}/u;
const CONTROLS = /\p{Cc}/gu;

/** True when `s` contains a control character. */
export function hasControl(s: string): boolean {
  return CONTROL.test(s);
}

/** `s` with every control character shown as `?`, for error messages and logs. */
export function withoutControls(s: string): string {
  return s.replace(CONTROLS, '?');
}
