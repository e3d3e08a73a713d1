/**
 * Recursive-descent parser for RFC 7644 §3.4.2.2 filters (Figure 1) and §3.5.2 PATCH paths.
 *
 * Why hand-written rather than an npm package: `scim2-parse-filter` (0.2.x, regex tokenizer) throws plain
 * Errors without positions, has no length/depth limits (deep nesting overflows the stack), keeps attribute
 * paths as unsplit strings (no URN split), has no PATCH path entry point, mangles JSON escapes in strings
 * (it doubles every backslash not followed by a quote) and turns Entra's `emails[type eq "work"].value eq
 * "x"` into an `and` of two independent conditions (which may match two different emails).
 * `scim-query-filter-parser` (2.0.x, apg-lib ABNF machine) compiles to in-memory JS predicates rather than a
 * tree we can translate to SQL, reports no error positions and parses no PATCH paths. Both would still need
 * our own SQL compiler, and neither tolerates the Entra forms below; a ~300-line parser is cheaper than
 * adapting either.
 *
 * Grammar, with `and` binding tighter than `or`, both left-associative (RFC 7644 §3.4.2.2 "Filter operator
 * precedence"):
 *   filter    = andExp *( "or" andExp )
 *   andExp    = unary *( "and" unary )
 *   unary     = "not" "(" filter ")" / "(" filter ")" / attrExp / valuePath
 *   attrExp   = attrPath "pr" / attrPath compareOp compValue
 *   valuePath = attrPath "[" valFilter "]"          ; valFilter: the same, without nested valuePath
 *   PATH      = attrPath / valuePath [ subAttr ]     ; RFC 7644 §3.5.2
 * Keywords and operators are case-insensitive; any run of spaces, tabs or line breaks separates tokens.
 *
 * Tolerated beyond the RFC, because Microsoft Entra ID sends them (scim-clients.md §2.3, §4 rows 6 and 7):
 * - `emails[type eq "work"].value eq "x"`: a value path followed by a sub-attribute comparison. It means
 *   "one work email whose value is x", so it becomes valuePath(emails, type eq "work" and value eq "x").
 * - An unquoted value, `externalId eq jyoung`: a bare word that is not a JSON number, true, false or null is
 *   read as a string.
 * - `true`, `false`, `null` in any case (`active eq True`).
 */
import { ENTRA_UNQUOTED_FILTER_VALUE, ENTRA_VALUE_PATH_SUB_ATTRIBUTE } from '../dialects/rules.js';
import { ScimError, type ScimType } from '../errors.js';
import type { AttrPath, CompareOp, Filter, FilterValue, PatchPath } from './ast.js';
import { tokenize, type Token } from './lexer.js';

export { printAttrPath, printFilter, printPath } from './printer.js';

export interface FilterLimits {
  /** Characters of filter text. */
  maxLength: number;
  /** Nesting of parentheses, `not (…)` and value filters `[…]`. */
  maxDepth: number;
  /** Filter nodes (comparisons, presence tests, and, or, not, value paths). */
  maxNodes: number;
}

/** Generous for any real client (Okta and Entra send one or two comparisons), small enough to be cheap. */
export const DEFAULT_FILTER_LIMITS: Readonly<FilterLimits> = Object.freeze({
  maxLength: 4096,
  maxDepth: 32,
  maxNodes: 256,
});

const COMPARE_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);

/** ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; plus `$ref` (RFC 7643 §2.3.7). */
const ATTRNAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/i;
const NAME_CHAR = /[A-Za-z0-9_-]/;
/** The schema URI in front of an attribute (a URN, or a URL such as Entra's legacy group schema). */
const SCHEMA_URI = /^[A-Za-z][A-Za-z0-9+.\-_:%/]*$/;
/** RFC 8259 §6 number. */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * Where each attribute path and filter node started in the source text. Kept outside the tree so that
 * parsed trees deep-equal built ones; the SQL compiler uses it to say where an unknown attribute is.
 */
const positions = new WeakMap<object, number>();
/** The dialect rules (src/domain/dialects/rules.ts) a parsed filter needed, by its root node. */
const dialectsOf = new WeakMap<Filter, readonly string[]>();

/** Names of the identity-provider dialect rules the parser applied to this filter, for the log. */
export function filterDialects(filter: Filter): readonly string[] {
  return dialectsOf.get(filter) ?? [];
}

/** The 0-based source position of a parsed AttrPath or Filter node, if it came from the parser. */
export function sourcePosition(node: object): number | undefined {
  return positions.get(node);
}

function describe(token: Token): string {
  if (token.kind === 'eof') return 'the end';
  const text = token.text.length > 40 ? `${token.text.slice(0, 40)}…` : token.text;
  return `"${text}"`;
}

class Parser {
  private index = 0;
  private depth = 0;
  private nodes = 0;
  /** Dialect rules applied while parsing. */
  readonly dialects = new Set<string>();

  constructor(
    private readonly tokens: Token[],
    private readonly scimType: ScimType,
    private readonly limits: FilterLimits,
  ) {}

  fail(message: string, position: number): never {
    throw ScimError.badRequest(this.scimType, `${message} at position ${position}`);
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index += 1;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  private expect(kind: Token['kind'], what: string): Token {
    const token = this.peek();
    if (token.kind !== kind) this.fail(`Expected ${what} but found ${describe(token)}`, token.pos);
    return this.next();
  }

  private enter(token: Token): void {
    this.depth += 1;
    if (this.depth > this.limits.maxDepth) {
      this.fail(`Filter is nested deeper than ${this.limits.maxDepth} levels`, token.pos);
    }
  }

  private leave(): void {
    this.depth -= 1;
  }

  private node<T extends Filter>(filter: T, position: number): T {
    this.nodes += 1;
    if (this.nodes > this.limits.maxNodes) {
      this.fail(`Filter has more than ${this.limits.maxNodes} expressions`, position);
    }
    positions.set(filter, position);
    return filter;
  }

  /** filter = andExp *( "or" andExp ) */
  parseOr(inValueFilter: boolean): Filter {
    let left = this.parseAnd(inValueFilter);
    while (this.isKeyword(this.peek(), 'or')) {
      const op = this.next();
      const right = this.parseAnd(inValueFilter);
      left = this.node({ kind: 'or', left, right }, op.pos);
    }
    return left;
  }

  /** andExp = unary *( "and" unary ) */
  private parseAnd(inValueFilter: boolean): Filter {
    let left = this.parseUnary(inValueFilter);
    while (this.isKeyword(this.peek(), 'and')) {
      const op = this.next();
      const right = this.parseUnary(inValueFilter);
      left = this.node({ kind: 'and', left, right }, op.pos);
    }
    return left;
  }

  /** unary = "not" "(" filter ")" / "(" filter ")" / attrExp / valuePath */
  private parseUnary(inValueFilter: boolean): Filter {
    const token = this.peek();
    if (token.kind === '(') {
      this.next();
      this.enter(token);
      const inner = this.parseOr(inValueFilter);
      this.expect(')', '")"');
      this.leave();
      return inner;
    }
    if (token.kind === 'word') {
      if (this.isKeyword(token, 'not')) {
        const after = this.peek(1);
        if (after.kind === '(') {
          this.next();
          this.next();
          this.enter(token);
          const inner = this.parseOr(inValueFilter);
          this.expect(')', '")"');
          this.leave();
          return this.node({ kind: 'not', filter: inner }, token.pos);
        }
        // An attribute called "not" would be followed by an operator or "["; anything else is a
        // `not` without its parentheses, which RFC 7644 requires.
        const isOperator =
          after.kind === '[' ||
          (after.kind === 'word' &&
            (COMPARE_OPS.has(after.text.toLowerCase()) || after.text.toLowerCase() === 'pr'));
        if (!isOperator) this.fail(`Expected "(" after "not" but found ${describe(after)}`, after.pos);
      }
      return this.parseAttrExp(inValueFilter);
    }
    return this.fail(`Expected an attribute path, "not" or "(" but found ${describe(token)}`, token.pos);
  }

  /** attrExp / valuePath, with Entra's `valuePath "." subAttr compareOp compValue` (see the header). */
  private parseAttrExp(inValueFilter: boolean): Filter {
    const token = this.next();
    const path = this.attrPath(token.text, token.pos);
    if (this.peek().kind !== '[') return this.parseOperation(path, token);

    const open = this.next();
    if (inValueFilter) {
      // RFC 7644 erratum 4690: a valFilter holds sub-attribute expressions only.
      this.fail('Value filters cannot be nested', open.pos);
    }
    this.enter(open);
    let inner = this.parseOr(true);
    this.expect(']', '"]"');
    this.leave();

    const after = this.peek();
    if (after.kind === 'word' && after.text.startsWith('.')) {
      this.next();
      if (path.subAttribute !== undefined) {
        this.fail(`"${token.text}" already names a sub-attribute`, after.pos);
      }
      const subPath: AttrPath = { attribute: this.attrName(after.text.slice(1), after.pos + 1) };
      positions.set(subPath, after.pos + 1);
      const comparison = this.parseOperation(subPath, after);
      this.dialects.add(ENTRA_VALUE_PATH_SUB_ATTRIBUTE);
      inner = this.node({ kind: 'and', left: inner, right: comparison }, after.pos);
    }
    return this.node({ kind: 'valuePath', path, filter: inner }, token.pos);
  }

  /** "pr" / compareOp compValue, after an attribute path. */
  private parseOperation(path: AttrPath, pathToken: Token): Filter {
    const opToken = this.peek();
    const op = opToken.kind === 'word' ? opToken.text.toLowerCase() : '';
    if (op === 'pr') {
      this.next();
      return this.node({ kind: 'present', path }, pathToken.pos);
    }
    if (COMPARE_OPS.has(op)) {
      this.next();
      const value = this.compValue();
      return this.node({ kind: 'compare', path, op: op as CompareOp, value }, pathToken.pos);
    }
    return this.fail(
      `Expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr) after "${pathToken.text}" but found ${describe(opToken)}`,
      opToken.pos,
    );
  }

  /** compValue = false / null / true / number / string, plus Entra's unquoted words. */
  private compValue(): FilterValue {
    const token = this.next();
    if (token.kind === 'string') return token.value ?? '';
    if (token.kind !== 'word') {
      return this.fail(
        `Expected a value (string, number, true, false or null) but found ${describe(token)}`,
        token.pos,
      );
    }
    if (JSON_NUMBER.test(token.text)) {
      const number = Number(token.text);
      if (!Number.isFinite(number)) this.fail(`Number ${describe(token)} is out of range`, token.pos);
      return number === 0 ? 0 : number; // -0 prints as 0
    }
    switch (token.text.toLowerCase()) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'null':
        return null;
      default:
        this.dialects.add(ENTRA_UNQUOTED_FILTER_VALUE); // Entra: `externalId eq jyoung`
        return token.text;
    }
  }

  /** attrPath = [URI ":"] ATTRNAME *1subAttr; the URI ends at the last ':' (URNs contain dots, "2.0"). */
  attrPath(text: string, position: number): AttrPath {
    const colon = text.lastIndexOf(':');
    let rest = text;
    let restPosition = position;
    let uri: string | undefined;
    if (colon >= 0) {
      uri = text.slice(0, colon);
      if (!SCHEMA_URI.test(uri)) this.fail(`Invalid schema URI "${uri}"`, position);
      rest = text.slice(colon + 1);
      restPosition = position + colon + 1;
    }
    const dot = rest.indexOf('.');
    const attribute = this.attrName(dot < 0 ? rest : rest.slice(0, dot), restPosition);
    const path: AttrPath = uri === undefined ? { attribute } : { uri, attribute };
    if (dot >= 0) path.subAttribute = this.attrName(rest.slice(dot + 1), restPosition + dot + 1);
    positions.set(path, position);
    return path;
  }

  private attrName(name: string, position: number): string {
    if (ATTRNAME.test(name)) return name;
    if (name === '') this.fail('Expected an attribute name', position);
    const first = name[0];
    if (!/[A-Za-z]/.test(first)) {
      this.fail(`Attribute name "${name}" must start with a letter`, position);
    }
    let bad = 1;
    while (bad < name.length && NAME_CHAR.test(name[bad])) bad += 1;
    return this.fail(`Invalid character "${name[bad]}" in attribute name "${name}"`, position + bad);
  }

  /** PATH = attrPath / valuePath [subAttr] (RFC 7644 §3.5.2). */
  parsePatchPath(): PatchPath {
    const token = this.peek();
    if (token.kind !== 'word') {
      this.fail(`Expected an attribute path but found ${describe(token)}`, token.pos);
    }
    this.next();
    const result: PatchPath = { path: this.attrPath(token.text, token.pos) };
    if (this.peek().kind === '[') {
      const open = this.next();
      this.enter(open);
      result.filter = this.parseOr(true);
      this.expect(']', '"]"');
      this.leave();
      const after = this.peek();
      if (after.kind === 'word' && after.text.startsWith('.')) {
        this.next();
        if (result.path.subAttribute !== undefined) {
          this.fail(`"${token.text}" already names a sub-attribute`, after.pos);
        }
        result.subAttribute = this.attrName(after.text.slice(1), after.pos + 1);
      }
    }
    this.expectEnd('path');
    return result;
  }

  expectEnd(what: 'filter' | 'path'): void {
    const token = this.peek();
    if (token.kind === 'eof') return;
    if (token.kind === ')') this.fail('Unbalanced ")"', token.pos);
    if (token.kind === ']') this.fail('Unbalanced "]"', token.pos);
    this.fail(
      what === 'filter'
        ? `Expected "and", "or" or the end of the filter but found ${describe(token)}`
        : `Expected the end of the path but found ${describe(token)}`,
      token.pos,
    );
  }
}

function resolveLimits(limits: Partial<FilterLimits> | undefined): FilterLimits {
  return { ...DEFAULT_FILTER_LIMITS, ...limits };
}

function start(text: string, scimType: ScimType, limits: FilterLimits, what: string): Parser {
  const fail = (message: string, position: number): never => {
    throw ScimError.badRequest(scimType, `${message} at position ${position}`);
  };
  if (typeof text !== 'string') fail(`The ${what} must be a string`, 0);
  if (text.length > limits.maxLength) {
    fail(`The ${what} is longer than ${limits.maxLength} characters`, limits.maxLength);
  }
  if (text.trim() === '') fail(`The ${what} is empty`, 0);
  return new Parser(tokenize(text, fail), scimType, limits);
}

/**
 * Parses a filter (RFC 7644 §3.4.2.2); the text arrives URL-decoded. Errors are 400 `invalidFilter` with
 * the 0-based position of the offending character.
 */
export function parseFilter(text: string, limits?: Partial<FilterLimits>): Filter {
  const parser = start(text, 'invalidFilter', resolveLimits(limits), 'filter');
  const filter = parser.parseOr(false);
  parser.expectEnd('filter');
  if (parser.dialects.size > 0) dialectsOf.set(filter, [...parser.dialects].sort());
  return filter;
}

/** Parses a PATCH operation's `path` (RFC 7644 §3.5.2); errors are 400 `invalidPath`. */
export function parsePath(text: string): PatchPath {
  return start(text, 'invalidPath', resolveLimits(undefined), 'path').parsePatchPath();
}
