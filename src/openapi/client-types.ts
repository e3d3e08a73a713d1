import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';

/**
 * clients/typescript/schema.d.ts: the TypeScript types of the document, by openapi-typescript. Run from
 * the committed JSON (sorted keys), so `npm run openapi` and the drift test produce the same bytes.
 */
export async function clientTypes(documentJson: string): Promise<string> {
  const ast = await openapiTS(JSON.parse(documentJson) as OpenAPI3, { silent: true });
  return COMMENT_HEADER + astToString(ast);
}
