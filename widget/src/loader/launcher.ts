import { PANEL_ID } from '../shared/constants.js';
import type { LauncherStrings } from '../shared/i18n.js';

const SVG = 'http://www.w3.org/2000/svg';
const BUBBLE =
  'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-4.5 3.6A.9.9 0 0 1 3 20.9V6a2 2 0 0 1 1-2z';
const CROSS =
  'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z';

/** The launcher button: a labelled toggle for the panel, with an unread badge. */
export interface Launcher {
  button: HTMLButtonElement;
  update(open: boolean, unread: number): void;
}

export function createLauncher(root: ShadowRoot, strings: LauncherStrings): Launcher {
  const doc = root.ownerDocument;
  const button = doc.createElement('button');
  button.type = 'button';
  button.className = 'launcher';
  button.setAttribute('aria-controls', PANEL_ID);
  const svg = doc.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = doc.createElementNS(SVG, 'path');
  svg.appendChild(path);
  const badge = doc.createElement('span');
  badge.className = 'badge';
  badge.setAttribute('aria-hidden', 'true');
  button.append(svg, badge);
  root.appendChild(button);
  const update = (open: boolean, unread: number): void => {
    button.setAttribute('aria-expanded', String(open));
    button.setAttribute(
      'aria-label',
      (open ? strings.close : strings.open) + (unread > 0 ? strings.unread(unread) : ''),
    );
    path.setAttribute('d', open ? CROSS : BUBBLE);
    badge.hidden = unread <= 0;
    badge.textContent = unread > 99 ? '99+' : String(unread);
  };
  update(false, 0);
  return { button, update };
}
