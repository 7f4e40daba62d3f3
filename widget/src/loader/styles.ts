/**
 * The loader's styles: the host element, pinned against page CSS (`!important` on `:host` wins
 * over the page's own rules for the host), and the launcher. Adopted as a constructable
 * stylesheet: no `<style>` element, no style attribute, so a strict CSP needs nothing for it.
 */
export const HOST_CSS = `
:host{all:initial!important;display:block!important;position:fixed!important;z-index:2147483000!important;
inset:auto 20px 20px auto!important;width:auto!important;height:auto!important;margin:0!important;padding:0!important;
visibility:visible!important;opacity:1!important;transform:none!important;filter:none!important;clip-path:none!important;
contain:none!important;pointer-events:auto!important;
--parley-accent:#3b5bdb;--parley-accent-text:#fff;--parley-bg:#fff;--parley-fg:#1f2328;--parley-muted:#59636e;
--parley-border:#d1d9e0;--parley-bubble:#eef1f4;--parley-danger:#c92a2a;--parley-focus:#e8590c;--parley-radius:16px;
--parley-font:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans KR","Apple SD Gothic Neo",sans-serif;
color-scheme:light}
:host([data-position=left]){inset:auto auto 20px 20px!important}
:host([data-scheme=dark]){--parley-bg:#1b1d21;--parley-fg:#e8eaed;--parley-muted:#a8b0ba;--parley-border:#3a3f47;
--parley-bubble:#2b3038;--parley-danger:#ff8787;--parley-focus:#ffa94d;color-scheme:dark}
@media (prefers-color-scheme:dark){:host([data-scheme=auto]){--parley-bg:#1b1d21;--parley-fg:#e8eaed;
--parley-muted:#a8b0ba;--parley-border:#3a3f47;--parley-bubble:#2b3038;--parley-danger:#ff8787;--parley-focus:#ffa94d;color-scheme:dark}}
.launcher{all:unset;box-sizing:border-box;position:relative;display:flex;align-items:center;justify-content:center;
width:56px;height:56px;border-radius:50%;background:var(--parley-accent);color:var(--parley-accent-text);cursor:pointer;
box-shadow:0 4px 14px rgba(0,0,0,.25);font-family:var(--parley-font)}
.launcher:focus-visible{outline:3px solid var(--parley-focus);outline-offset:3px}
.launcher svg{width:28px;height:28px;fill:currentColor}
.badge{position:absolute;top:-4px;inset-inline-end:-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;
border-radius:10px;background:#c92a2a;color:#fff;font:700 12px/20px var(--parley-font);text-align:center}
.badge[hidden]{display:none}
:host([data-open]) .launcher .badge{display:none}
@media (prefers-reduced-motion:no-preference){.launcher{transition:transform .15s}.launcher:hover{transform:scale(1.06)}}
`;

/** Makes a constructable stylesheet from CSS text. */
export function sheet(css: string): CSSStyleSheet {
  const s = new CSSStyleSheet();
  s.replaceSync(css);
  return s;
}
