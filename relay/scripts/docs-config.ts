// `pnpm docs:config`: rewrites the settings table of docs/configuration.md from SETTINGS
// (relay/src/settings.ts). settings-doc.test.ts fails until this has been run after a change.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderSettingsDoc, replaceSettingsDoc } from '../src/settings-doc.js';

const path = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));
const before = readFileSync(path, 'utf8');
const after = replaceSettingsDoc(before, renderSettingsDoc());
if (after === before) {
  console.log('docs/configuration.md is up to date');
} else {
  writeFileSync(path, after);
  console.log('docs/configuration.md: settings table rewritten');
}
