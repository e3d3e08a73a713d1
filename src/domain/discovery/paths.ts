/** Where the SCIM API lives under the server's origin (RFC 7644 §3.13 base URI). */
export const SCIM_BASE_PATH = '/scim/v2';

/** The absolute SCIM base URI for a server origin ('https://host' → 'https://host/scim/v2'). */
export function scimBase(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${SCIM_BASE_PATH}`;
}

/** Where Swagger UI documents the API; also the documentationUri of discovery resources. */
export function documentationUri(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/docs`;
}
