/** The public surface of the scim-http module (see ScimHttpModule). */
export { assertIfMatch, etagOf, isNotModified } from './etag.js';
export { listOfRows, listResponse } from './list-response.js';
export type { RequestScope } from './request-scope.js';
export { RequestScopes } from './request-scopes.js';
export { ResourceHttp, type ReadResult, type ScimResourceService } from './resource-http.js';
export { locationOf, toScimResource } from './resource-representation.js';
export { ScimEndpoint } from './scim-api.decorators.js';
export { ScimHttpModule } from './scim-http.module.js';
export { baseUrlOf, header, sendResource } from './scim-http.js';
export { searchBody } from './search-body.js';
export { once, prepend, streamedJson, type StreamedAttribute } from './streamed-json.js';
