import { HOST_TAG } from '../shared/constants.js';
import { HOST_CSS, sheet } from './styles.js';

/** The widget's host element and its open shadow root. */
export interface Host {
  element: HTMLElement;
  root: ShadowRoot;
  /** Stops keeping the host attached and removes it. */
  remove(): void;
}

/**
 * Creates `<parley-widget>` with an open shadow root styled by adopted stylesheets, appends it
 * to `<body>`, and appends it again whenever page code removes it.
 */
export function createHost(doc: Document, extraCss: string): Host {
  const element = doc.createElement(HOST_TAG);
  const root = element.attachShadow({ mode: 'open' });
  root.adoptedStyleSheets = [sheet(HOST_CSS + extraCss)];
  const body = doc.body;
  body.appendChild(element);
  const observer = new MutationObserver(() => {
    if (!element.isConnected) doc.body.appendChild(element);
  });
  observer.observe(body, { childList: true });
  return {
    element,
    root,
    remove() {
      observer.disconnect();
      element.remove();
    },
  };
}
