import { PAGING } from '../list/list-query.js';
import { SERVICE_PROVIDER_CONFIG_SCHEMA } from '../schema/urns.js';
import { documentationUri, scimBase } from './paths.js';

/** What ServiceProviderConfig advertises; every claim is checked against real behaviour in tests. */
export interface ServiceProviderLimits {
  /** The largest page a list or search returns (filter.maxResults, pagination.maxPageSize). */
  maxResults: number;
  /** The page size when a request names no count. */
  defaultPageSize: number;
  /** Seconds a cursor stays valid between page requests (RFC 9865 §4). */
  cursorTimeout: number;
  /** Bulk (RFC 7644 §3.7) limits; undefined: /Bulk not offered. */
  bulk?: { maxOperations: number; maxPayloadSize: number };
}

/**
 * Our cursors are stateless (they carry the position, nothing is kept on the server), so they never
 * expire; a day is the lifetime we promise, leaving room to add server-side expiry later.
 */
export const CURSOR_TIMEOUT_SECONDS = 86_400;

export const DEFAULT_LIMITS: Readonly<ServiceProviderLimits> = Object.freeze({
  maxResults: PAGING.maxCount,
  defaultPageSize: PAGING.defaultCount,
  cursorTimeout: CURSOR_TIMEOUT_SECONDS,
  // The defaults of BULK_MAX_OPERATIONS and BULK_MAX_PAYLOAD_BYTES (BODY_LIMIT's default).
  bulk: Object.freeze({ maxOperations: 1000, maxPayloadSize: 1024 * 1024 }),
});

export interface ServiceProviderConfig {
  schemas: string[];
  documentationUri: string;
  patch: { supported: boolean };
  bulk: { supported: boolean; maxOperations: number; maxPayloadSize: number };
  filter: { supported: boolean; maxResults: number };
  changePassword: { supported: boolean };
  sort: { supported: boolean };
  etag: { supported: boolean };
  pagination: {
    cursor: boolean;
    index: boolean;
    defaultPaginationMethod: 'index' | 'cursor';
    defaultPageSize: number;
    maxPageSize: number;
    cursorTimeout: number;
  };
  authenticationSchemes: {
    type: string;
    name: string;
    description: string;
    specUri: string;
    documentationUri: string;
    primary: boolean;
  }[];
  meta: { resourceType: 'ServiceProviderConfig'; location: string };
}

/** RFC 7643 §5 ServiceProviderConfig with RFC 9865 §4 `pagination`: exactly what this server implements. */
export function serviceProviderConfig(
  baseUrl: string,
  limits: ServiceProviderLimits = DEFAULT_LIMITS,
): ServiceProviderConfig {
  const docs = documentationUri(baseUrl);
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    documentationUri: docs,
    patch: { supported: true },
    // RFC 7643 §5: maxOperations and maxPayloadSize are REQUIRED even when bulk is not supported.
    bulk: limits.bulk
      ? { supported: true, ...limits.bulk }
      : { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: limits.maxResults },
    // Passwords that IdPs send are never stored, so there is nothing to change.
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    // Okta and Entra page by index and send no cursor, so index stays the default (RFC 9865 §3.3).
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: limits.defaultPageSize,
      maxPageSize: limits.maxResults,
      cursorTimeout: limits.cursorTimeout,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'The tenant API key sent as a bearer token (RFC 6750): Authorization: Bearer <API key>.',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        documentationUri: docs,
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${scimBase(baseUrl)}/ServiceProviderConfig`,
    },
  };
}
