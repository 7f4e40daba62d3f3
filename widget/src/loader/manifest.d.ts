/** Written by scripts/build.mjs: the chat chunk's hashed file name, beside the loader. */
declare module 'parley:manifest' {
  export const CHAT_FILE: string;
  /** Strings of the panel per locale other than English (built into the chunk). */
  export const STRINGS_FILES: Partial<Record<string, string>>;
}
