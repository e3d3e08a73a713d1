import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { clientTypes } from '../client-types.js';
import { generateOpenApiDocument } from '../generate.js';
import { stableJson } from '../sort-keys.js';

/**
 * `npm run openapi`: writes openapi/openapi.json (sorted keys, trailing newline) from the application,
 * without a database, and the client's generated types clients/typescript/schema.d.ts from it.
 */
const DOCUMENT = resolve('openapi/openapi.json');
const CLIENT_TYPES = resolve('clients/typescript/schema.d.ts');

const document = await generateOpenApiDocument();
const json = stableJson(document);
await mkdir(dirname(DOCUMENT), { recursive: true });
await writeFile(DOCUMENT, json);
await writeFile(CLIENT_TYPES, await clientTypes(json));
console.log(`wrote ${DOCUMENT} (${Object.keys(document.paths).length} paths) and ${CLIENT_TYPES}`);
