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

/**
 * While the full-screen panel is open: the page behind it does not scroll, and the panel's
 * height follows the visual viewport (the on-screen keyboard shrinks it). Both are undone on
 * close. Styles go through the CSSOM (`style.setProperty`), which a strict CSP allows.
 */
export function useFullScreen(panel: HTMLElement | null, active: boolean): void {
  useEffect(() => {
    if (!active || !panel) return;
    const body = document.body.style;
    const html = document.documentElement.style;
    const saved = [body.overflow, html.overflow];
    body.overflow = 'hidden';
    html.overflow = 'hidden';
    const viewport = window.visualViewport;
    const fit = (): void => {
      const height = viewport ? viewport.height : window.innerHeight;
      panel.style.setProperty('--parley-vh', `${Math.round(height)}px`);
      panel.style.setProperty('--parley-vt', `${Math.round(viewport?.offsetTop ?? 0)}px`);
    };
    fit();
    viewport?.addEventListener('resize', fit);
    viewport?.addEventListener('scroll', fit);
    return () => {
      body.overflow = saved[0] ?? '';
      html.overflow = saved[1] ?? '';
      viewport?.removeEventListener('resize', fit);
      viewport?.removeEventListener('scroll', fit);
    };
  }, [panel, active]);
}
