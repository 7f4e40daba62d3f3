import type { ChatContext as LoaderContext } from '../shared/contract.js';
import type { ChatStrings } from '../shared/i18n.js';

/** The loader's context with the panel's strings settled (the loaded locale, or English). */
export type ChatContext = LoaderContext & { strings: ChatStrings };
