import { linkify, neutralizeBidi } from '../linkify.js';

/**
 * A message's text as text nodes, with http(s) URLs as links that open in a new tab without
 * access to this page. No HTML from a message is ever parsed.
 */
export function MessageText({ text }: { text: string }) {
  return (
    <bdi class="text">
      {linkify(neutralizeBidi(text)).map((part, i) =>
        part.href ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
            {part.text}
          </a>
        ) : (
          part.text
        ),
      )}
    </bdi>
  );
}
