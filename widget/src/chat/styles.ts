/** The panel's styles, adopted into the shadow root next to the loader's. */
export const CHAT_CSS = `
.sr-only{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.panel{position:fixed;bottom:88px;right:20px;z-index:1;box-sizing:border-box;display:flex;flex-direction:column;
width:380px;max-width:calc(100vw - 40px);height:min(600px,calc(100vh - 112px));overflow:hidden;
background:var(--parley-bg);color:var(--parley-fg);border:1px solid var(--parley-border);border-radius:var(--parley-radius);
box-shadow:0 12px 40px rgba(0,0,0,.22);font:15px/1.45 var(--parley-font);text-align:start}
:host([data-position=left]) .panel{right:auto;left:20px}
.panel.full{inset:var(--parley-vt,0) 0 auto 0;width:100%;max-width:none;height:var(--parley-vh,100%);border:0;border-radius:0}
@media (max-width:639.98px){:host([data-open]) .launcher{display:none}}
.panel *{box-sizing:border-box}
.panel button{font:inherit;color:inherit;cursor:pointer}
.panel :focus-visible{outline:3px solid var(--parley-focus);outline-offset:1px}
.header{display:flex;align-items:center;gap:8px;padding:12px 12px 12px 16px;background:var(--parley-accent);color:var(--parley-accent-text)}
.titles{flex:1;min-width:0}
.header h2{margin:0;font-size:17px;font-weight:650;line-height:1.3;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.status{margin:2px 0 0;font-size:13px;display:flex;align-items:center;gap:6px}
.dot{width:8px;height:8px;border-radius:50%;background:#ffd43b}
.status.connected .dot{background:#8ce99a}
.status.failed .dot,.status.offline .dot,.status.reconnecting .dot{background:#ffa8a8}
.icon{all:unset;display:flex;align-items:center;justify-content:center;width:36px;height:36px;border-radius:8px;
font-size:24px;line-height:1;cursor:pointer;color:inherit}
.icon:hover{background:rgba(255,255,255,.18)}
.icon:focus-visible{outline:3px solid var(--parley-accent-text);outline-offset:-3px}
.banner{margin:0;padding:8px 16px;background:#fff3bf;color:#5c3c00;font-size:14px;border-bottom:1px solid #ffe066}
.list-wrap{position:relative;flex:1;min-height:0;display:flex}
.list{flex:1;overflow-y:auto;overscroll-behavior:contain;padding:12px 16px}
.list:focus-visible{outline-offset:-3px}
.groups,.bubbles{list-style:none;margin:0;padding:0}
.group{display:flex;flex-direction:column;align-items:flex-start;margin:0 0 12px}
.group.mine{align-items:flex-end}
.sender{margin:0 4px 3px;font-size:13px;font-weight:600;color:var(--parley-muted)}
.bubbles{display:flex;flex-direction:column;gap:3px;align-items:inherit;max-width:85%}
.bubble{padding:7px 11px;border-radius:14px;background:var(--parley-bubble);color:var(--parley-fg);overflow-wrap:anywhere;white-space:pre-wrap}
.mine .bubble{background:var(--parley-accent);color:var(--parley-accent-text)}
.mine .bubble.pending{opacity:.75}
.mine .bubble.failed{background:var(--parley-bg);color:var(--parley-fg);border:1px solid var(--parley-danger)}
.text{unicode-bidi:isolate}
.bubble a{color:inherit;text-decoration:underline}
.meta{display:flex;gap:6px;justify-content:flex-end;margin-top:2px;font-size:12px;opacity:.85}
.state.failed{color:var(--parley-danger);font-weight:600}
.retry{all:unset;text-decoration:underline;cursor:pointer;font-weight:600}
.retry:focus-visible{outline:2px solid var(--parley-focus)}
.note{margin:auto;padding:24px 8px;text-align:center;color:var(--parley-muted)}
.grow{flex:1;overflow-y:auto}
.typing{margin:0;min-height:22px;padding:2px 16px;font-size:13px;color:var(--parley-muted)}
.panel .jump{position:absolute;bottom:10px;left:50%;transform:translateX(-50%);border:0;border-radius:16px;padding:6px 14px;
background:var(--parley-accent);color:var(--parley-accent-text);box-shadow:0 2px 8px rgba(0,0,0,.25);font-size:14px}
.composer{display:flex;gap:8px;align-items:flex-end;padding:10px 12px;border-top:1px solid var(--parley-border)}
.composer textarea{flex:1;resize:none;min-height:40px;max-height:140px;padding:9px 12px;border:1px solid var(--parley-border);
border-radius:10px;background:var(--parley-bg);color:var(--parley-fg);font:inherit;field-sizing:content}
.composer textarea:focus-visible{outline-width:2px}
.composer textarea::placeholder{color:var(--parley-muted);opacity:1}
.panel .send{border:0;border-radius:10px;padding:0 16px;height:40px;background:var(--parley-accent);color:var(--parley-accent-text);font-weight:600}
@media (prefers-reduced-motion:no-preference){.panel{animation:parley-in .16s ease-out}}
@keyframes parley-in{from{opacity:0;transform:translateY(8px)}}
`;
