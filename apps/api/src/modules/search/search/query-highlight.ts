// HTML of highlighted names: OpenSearch's highlights and our own, escaped the same way.

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '/': '&#x2F;',
};

/** Escapes as OpenSearch's `encoder: html` highlighter does, so every name is the same kind of HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'/]/g, (char) => htmlEscapes[char]!);
}

const wordChar = /[\p{L}\p{N}]/u;

/**
 * Escaped `text` with the typed words in <em>: where a word starts (autocomplete) or anywhere
 * (the PostgreSQL fallback, whose ILIKE matches inside words). Case-insensitive.
 */
export function highlightTyped(text: string, typed: string, where: 'word-start' | 'anywhere'): string {
  const words = [
    ...new Set(
      typed
        .toLowerCase()
        .split(' ')
        .filter((word) => word.length > 0),
    ),
  ].sort((a, b) => b.length - a.length);
  let html = '';
  let plain = '';
  let index = 0;
  while (index < text.length) {
    const atWordStart = index === 0 || !wordChar.test(text[index - 1]!);
    const word =
      where === 'anywhere' || atWordStart
        ? words.find((candidate) => text.slice(index, index + candidate.length).toLowerCase() === candidate)
        : undefined;
    if (word) {
      html += `${escapeHtml(plain)}<em>${escapeHtml(text.slice(index, index + word.length))}</em>`;
      plain = '';
      index += word.length;
    } else {
      plain += text[index];
      index += 1;
    }
  }
  return html + escapeHtml(plain);
}

const emphasised = (html: string) =>
  [...html.matchAll(/<em>(.*?)<\/em>/g)].reduce((sum, match) => sum + (match[1]?.length ?? 0), 0);

/** The highlight that marks the most of the name (nori parts vs whole words), else the escaped name. */
export function bestHighlight(candidates: (string[] | undefined)[], name: string): string {
  let best: string | undefined;
  for (const fragments of candidates) {
    const html = fragments?.[0];
    if (html && (!best || emphasised(html) > emphasised(best))) best = html;
  }
  return best ?? escapeHtml(name);
}
