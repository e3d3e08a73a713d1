import { readFileSync } from 'node:fs';
import { COMMITTED_DOCUMENT } from '../support/contract.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTenant } from '../support/tenants.js';

/**
 * Every request example of the committed OpenAPI document, sent to a live server the way a reader tries
 * them in Swagger UI ("Try it out", example by example, in the order the document's description gives):
 * each must succeed. The document says that three ids stand for resources the first examples create;
 * like the reader, the test replaces them, in the `id` parameter and in the body, with the ids the
 * server answered — and only them.
 */
type Json = Record<string, unknown>;
interface Step {
  method: string;
  path: string;
  summary: string;
  /** The placeholder id to send as the `{id}` path parameter. */
  on?: string;
  /** The placeholder id that stands for what this request creates. */
  creates?: string;
}

const document = JSON.parse(readFileSync(COMMITTED_DOCUMENT, 'utf8')) as { info: Json; paths: Json };
const description = String(document.info.description);

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** A line of the guide: "4. `PUT /scim/v2/Users/{id}` on `<id>` (…), example *<summary>*: …, called `<id>` below." */
const STEP = new RegExp(
  `^\\d+\\. \`(\\w+) (\\S+)\`(?: on \`(${UUID})\` \\([^)]*\\))?, example \\*(.+)\\*(?:: [^\`]*\`(${UUID})\` below)?\\.$`,
  'gm',
);

/** The steps of the document's "Trying the examples", in order. */
const GUIDE: Step[] = [...description.matchAll(STEP)].map(([, method, path, on, summary, creates]) => ({
  method,
  path,
  summary,
  on,
  creates,
}));
const PLACEHOLDERS = GUIDE.flatMap((step) => (step.creates ? [step.creates] : []));

/** The request examples of one operation (the same for both request media types). */
function examplesOf(method: string, path: string): Record<string, { summary: string; value: unknown }> {
  const operation = (document.paths[path] as Record<string, Json> | undefined)?.[method.toLowerCase()];
  const content = (operation?.requestBody as { content?: Record<string, Json> } | undefined)?.content ?? {};
  const [scim, ...others] = Object.values(content).map((media) => media.examples ?? {});
  for (const other of others) expect(other).toEqual(scim);
  return (scim ?? {}) as Record<string, { summary: string; value: unknown }>;
}

/** Every request example in the document, as `METHOD path name`. */
function allRequestExamples(): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item as Json).flatMap((method) =>
      Object.keys(examplesOf(method, path)).map((name) => `${method.toUpperCase()} ${path} ${name}`),
    ),
  );
}

/** The example a step names (by its summary, as Swagger UI shows it). */
function exampleOf(step: Step): [string, unknown] {
  const matches = Object.entries(examplesOf(step.method, step.path)).filter(
    ([, example]) => example.summary === step.summary,
  );
  expect([step.method, step.path, step.summary, matches.length]).toEqual([
    step.method,
    step.path,
    step.summary,
    1,
  ]);
  return [`${step.method} ${step.path} ${matches[0][0]}`, matches[0][1].value];
}

describe('every request example of the OpenAPI document works when tried in order', () => {
  let t: TestApp;
  let apiKey: string;
  beforeAll(async () => {
    t = await startTestApp();
    apiKey = (await createTenant(t.app, 'Swagger UI reader')).apiKey;
  });
  afterAll(() => t?.close());

  it('the description lists every request example once, and three placeholder ids', () => {
    expect(GUIDE.map((step) => exampleOf(step)[0]).sort()).toEqual(allRequestExamples().sort());
    expect(allRequestExamples().length).toBeGreaterThanOrEqual(12);
    expect(new Set(PLACEHOLDERS).size).toBe(3);
  });

  it('each example answers 2xx, with the placeholder ids replaced by the ids the server gave', async () => {
    const ids = new Map<string, string>();
    const replace = (text: string) =>
      text.replace(new RegExp(UUID, 'g'), (uuid) => {
        if (!PLACEHOLDERS.includes(uuid)) return uuid;
        const real = ids.get(uuid);
        if (!real) throw new Error(`${uuid} is used before an example creates it`);
        return real;
      });

    expect(GUIDE.length).toBeGreaterThanOrEqual(12);
    for (const step of GUIDE) {
      const [where, value] = exampleOf(step);
      const res = await t.app.inject({
        method: step.method as 'POST' | 'PUT' | 'PATCH',
        url: step.on ? step.path.replace('{id}', replace(step.on)) : step.path,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/scim+json' },
        payload: replace(JSON.stringify(value)),
      });
      expect([where, res.statusCode, res.statusCode < 300 ? '' : res.body]).toEqual([
        where,
        step.creates ? 201 : 200,
        '',
      ]);
      if (step.creates) ids.set(step.creates, (res.json() as { id: string }).id);
    }
  });
});
