// sockjs-client ships no types; the SDK only needs its default export, checked at run time
// (sockjs-factory.ts). Kept local so the SDK needs no @types package.
declare module 'sockjs-client' {
  const SockJS: unknown;
  export default SockJS;
}
