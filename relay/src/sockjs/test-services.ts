import type { SockJsEndpoint } from './router.js';
import type { SockJsService } from './types.js';

/** Base path of the conformance test services (`PARLEY_SOCKJS_TEST_SERVICES=1`). */
export const SOCKJS_TEST_PREFIX = '/sockjs-test';

/** Sends every message straight back. */
export const echoService: SockJsService = (transport) => ({
  onMessage: (m) => void transport.send(m, false),
  onClose: () => undefined,
});

/** Closes every session at once with `3000 "Go away!"`. */
export const closeService: SockJsService = (transport) => {
  transport.close(3000, 'Go away!');
  return { onMessage: () => undefined, onClose: () => undefined };
};

/**
 * The services sockjs-protocol's conformance suite expects, under `/sockjs-test/`: `echo`,
 * `close`, `disabled_websocket_echo` (no WebSocket transport) and `cookie_needed_echo`
 * (`JSESSIONID` set). Point the suite at `http://<relay>/sockjs-test`.
 */
export function testEndpoints(prefix = SOCKJS_TEST_PREFIX): SockJsEndpoint[] {
  return [
    { prefix: `${prefix}/echo`, service: echoService },
    { prefix: `${prefix}/close`, service: closeService },
    { prefix: `${prefix}/disabled_websocket_echo`, service: echoService, websocket: false },
    { prefix: `${prefix}/cookie_needed_echo`, service: echoService, cookieNeeded: true },
  ];
}
