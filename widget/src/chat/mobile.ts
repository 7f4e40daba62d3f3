import { useEffect, useState } from 'preact/hooks';
import { MOBILE_MAX_WIDTH } from '../shared/constants.js';

/** Whether the viewport is phone-sized (the panel is then full-screen and modal). */
export function useMobile(): boolean {
  const query = `(max-width: ${MOBILE_MAX_WIDTH - 0.02}px)`;
  const [mobile, setMobile] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const on = (): void => setMobile(list.matches);
    list.addEventListener('change', on);
    return () => list.removeEventListener('change', on);
  }, [query]);
  return mobile;
}

let locks = 0;
let saved: [string, string] = ['', ''];

/** Stops the page from scrolling; nested locks restore the first saved values once. */
function lockScroll(): void {
  const body = document.body.style;
  const html = document.documentElement.style;
  if (locks++ === 0) saved = [body.overflow, html.overflow];
  body.overflow = 'hidden';
  html.overflow = 'hidden';
}

function unlockScroll(): void {
  if (--locks > 0) return;
  document.body.style.overflow = saved[0];
  document.documentElement.style.overflow = saved[1];
}

/**
 * While the full-screen panel is open: the page behind it does not scroll, and the panel's
 * height follows the visual viewport (the on-screen keyboard shrinks it). Both are undone on
 * close. Styles go through the CSSOM (`style.setProperty`), which a strict CSP allows.
 */
export function useFullScreen(panel: HTMLElement | null, active: boolean): void {
  useEffect(() => {
    if (!active || !panel) return;
    lockScroll();
    const viewport = window.visualViewport;
    const fitToViewport = (): void => {
      const height = viewport ? viewport.height : window.innerHeight;
      panel.style.setProperty('--parley-vh', `${Math.round(height)}px`);
      panel.style.setProperty('--parley-vt', `${Math.round(viewport?.offsetTop ?? 0)}px`);
    };
    fitToViewport();
    viewport?.addEventListener('resize', fitToViewport);
    viewport?.addEventListener('scroll', fitToViewport);
    return () => {
      unlockScroll();
      viewport?.removeEventListener('resize', fitToViewport);
      viewport?.removeEventListener('scroll', fitToViewport);
    };
  }, [panel, active]);
}
