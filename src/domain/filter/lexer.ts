/**
 * Tokens of the RFC 7644 §3.4.2.2 filter language (Figure 1) and of PATCH paths (§3.5.2).
 *
 * The lexer is deliberately coarse: everything that is not whitespace, a bracket, a parenthesis or a JSON
 * string is one `word` (attribute paths, operators, keywords, numbers, true/false/null, and the unquoted
 * values Entra sends). The parser decides what a word is from where it stands, so an attribute named like
 * a keyword stays an attribute, and a bad character is reported at its exact position.
 */

export type TokenKind = 'word' | 'string' | '(' | ')' | '[' | ']' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for strings: with quotes and escapes, as sent). */
  text: string;
  /** The decoded value of a `string` token. */
  value?: string;
  /** 0-based offset of the first character, as in V8's JSON errors ("at position 17"). */
  pos: number;
}

/** Raised by the lexer; the parser turns it into a ScimError of its own scimType. */
export type LexFailure = (message: string, position: number) => never;

/** RFC 7644 writes SP; clients also send tabs and line breaks between tokens (filters arrive URL-decoded). */
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isDelimiter(c: string): boolean {
  return isSpace(c) || c === '(' || c === ')' || c === '[' || c === ']' || c === '"';
}

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);

const HEX4 = /^[0-9a-fA-F]{4}$/;

/** No stored value contains U+0000 (PostgreSQL cannot hold it), so a filter naming it is a client error. */
const NUL_MESSAGE = 'U+0000 cannot appear in a filter or path';

/**
 * A JSON string (RFC 8259 §7) starting at `start` (the opening quote). Raw control characters are
 * tolerated: the value is unambiguous and rejecting them would only turn a lookup into a 400.
 */
function readString(text: string, start: number, fail: LexFailure): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      i += 1;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) break;
    const simple = SIMPLE_ESCAPES.get(e);
    if (simple !== undefined) {
      value += simple;
      i += 2;
    } else if (e === 'u') {
      const hex = text.slice(i + 2, i + 6);
      if (!HEX4.test(hex)) fail('Invalid \\u escape in string, expected 4 hex digits', i);
      const code = parseInt(hex, 16);
      if (code === 0) fail(NUL_MESSAGE, i);
      value += String.fromCharCode(code);
      i += 6;
    } else {
      fail(`Invalid escape "\\${e}" in string`, i);
    }
  }
  return fail('Unterminated string', start);
}

/** Splits filter or path text into tokens; the last token is always `eof` at `text.length`. */
export function tokenize(text: string, fail: LexFailure): Token[] {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) fail(NUL_MESSAGE, nul);
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (isSpace(c)) {
      i += 1;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ kind: c, text: c, pos: i });
      i += 1;
    } else if (c === '"') {
      const { value, end } = readString(text, i, fail);
      tokens.push({ kind: 'string', text: text.slice(i, end), value, pos: i });
      i = end;
    } else {
      const start = i;
      while (i < text.length && !isDelimiter(text[i])) i += 1;
      tokens.push({ kind: 'word', text: text.slice(start, i), pos: start });
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length });
  return tokens;
}
