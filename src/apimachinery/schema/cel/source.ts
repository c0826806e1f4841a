/**
 * Token-level facts about CEL source text: whether a rule refers to the `oldSelf` variable
 * (which makes it a transition rule), and the rewrite that routes `.matches()` to the RE2-safe
 * implementation. Working on tokens keeps string literals and field selections like
 * `self.oldSelf` out of the picture; the rewrite keeps every offset so compiler error columns
 * still point into the text the user wrote.
 */

interface Token {
  readonly kind: 'ident' | 'string' | 'punct';
  readonly text: string;
  readonly start: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const prefix = /^(?:[rR][bB]?|[bB][rR]?)?(?="|')/.exec(src.slice(i, i + 3));
    if (prefix) {
      const start = i;
      const raw = /r/i.test(prefix[0]);
      i += prefix[0].length;
      const q = src[i] as string;
      const triple = src.startsWith(q.repeat(3), i);
      const close = triple ? q.repeat(3) : q;
      i += close.length;
      while (i < src.length && !src.startsWith(close, i)) i += !raw && src[i] === '\\' ? 2 : 1;
      i += close.length;
      out.push({ kind: 'string', text: src.slice(start, i), start });
      continue;
    }
    const ident = /^[_a-zA-Z][_a-zA-Z0-9]*/.exec(src.slice(i));
    if (ident) {
      out.push({ kind: 'ident', text: ident[0], start: i });
      i += ident[0].length;
      continue;
    }
    out.push({ kind: 'punct', text: c, start: i });
    i++;
  }
  return out;
}

/** True when the expression reads the `oldSelf` variable. */
export function usesOldSelf(src: string): boolean {
  const tokens = tokenize(src);
  return tokens.some(
    (t, i) => t.kind === 'ident' && t.text === 'oldSelf' && !isSelection(tokens, i),
  );
}

function isSelection(tokens: Token[], i: number): boolean {
  const prev = tokens[i - 1];
  const prev2 = tokens[i - 2];
  return prev?.text === '.' || (prev?.text === '?' && prev2?.text === '.');
}

/** The name `.matches(…)` calls are routed to; same length, so offsets do not move. */
export const SAFE_MATCHES = 'Matches';

/** Rewrites receiver-style `matches` calls to the RE2-safe overload. */
export function routeMatches(src: string): string {
  const tokens = tokenize(src);
  let out = src;
  tokens.forEach((t, i) => {
    if (
      t.kind === 'ident' &&
      t.text === 'matches' &&
      isSelection(tokens, i) &&
      tokens[i + 1]?.text === '('
    ) {
      out = out.slice(0, t.start) + SAFE_MATCHES + out.slice(t.start + t.text.length);
    }
  });
  return out;
}
