/**
 * Build-time feature flag: `true` in every build of the SDK itself (the npm package, its browser
 * bundle, its tests). A bundler may replace this module with one exporting `FULL = false` to
 * build a lean SDK for an embed that provably never uses some features; the widget's build does
 * (widget/scripts/build.mjs). A lean build leaves out direct conversations (`client.dm()`,
 * `client.on('dm')`), the SockJS transport (WebSocket only) and stompjs's `blob:` Worker ticker
 * (heart-beats on timers); what it leaves out throws `ParleyError` `unsupported` when called.
 *
 * @internal
 */
export const FULL: boolean = true;
