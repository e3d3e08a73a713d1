import { Injectable } from '@nestjs/common';
import type { SystemTx, TenantTx } from './database.js';

export interface ScimConnectionRow {
  last_request_at: Date | string | null;
  last_request_api_key_id: string | null;
  last_request_user_agent: string | null;
  last_error_at: Date | string | null;
  last_error_status: number | null;
  last_error_scim_type: string | null;
  last_error_detail: string | null;
  last_error_method: string | null;
  last_error_path: string | null;
}

export interface ScimRequestSeen {
  at: Date;
  apiKeyId: string | null;
  userAgent: string | null;
}

export interface ScimErrorSeen {
  at: Date;
  status: number;
  scimType: string | null;
  detail: string;
  method: string;
  path: string;
}

/**
 * scim_connection: one row per tenant, the last SCIM request and the last error it answered. Written
 * by the system path after the response (ConnectionHealthService), one upsert per write; a write
 * never moves a time backward (two instances, or a late write, keep the newest).
 */
@Injectable()
export class ScimConnectionRepository {
  async record(
    tx: SystemTx,
    tenantId: string,
    request: ScimRequestSeen | undefined,
    error: ScimErrorSeen | undefined,
  ): Promise<void> {
    await tx.sql(
      `INSERT INTO scim_connection AS c (tenant_id, last_request_at, last_request_api_key_id, last_request_user_agent,
         last_error_at, last_error_status, last_error_scim_type, last_error_detail, last_error_method, last_error_path)
       SELECT $1::uuid, $2::timestamptz, $3::uuid, $4::text, $5::timestamptz, $6::int, $7::text, $8::text, $9::text, $10::text
        WHERE EXISTS (SELECT 1 FROM tenant WHERE id = $1::uuid)
       ON CONFLICT (tenant_id) DO UPDATE SET
         last_request_at = CASE WHEN excluded.last_request_at >= coalesce(c.last_request_at, '-infinity') THEN excluded.last_request_at ELSE c.last_request_at END,
         last_request_api_key_id = CASE WHEN excluded.last_request_at >= coalesce(c.last_request_at, '-infinity') THEN excluded.last_request_api_key_id ELSE c.last_request_api_key_id END,
         last_request_user_agent = CASE WHEN excluded.last_request_at >= coalesce(c.last_request_at, '-infinity') THEN excluded.last_request_user_agent ELSE c.last_request_user_agent END,
         last_error_at = CASE WHEN excluded.last_error_at >= coalesce(c.last_error_at, '-infinity') THEN excluded.last_error_at ELSE c.last_error_at END,
         last_error_status = CASE WHEN excluded.last_error_at >= coalesce(c.last_error_at, '-infinity') THEN excluded.last_error_status ELSE c.last_error_status END,
         last_error_scim_type = CASE WHEN excluded.last_error_at >= coalesce(c.last_error_at, '-infinity') THEN excluded.last_error_scim_type ELSE c.last_error_scim_type END,
         last_error_detail = CASE WHEN excluded.last_error_at >= coalesce(c.last_error_at, '-infinity') THEN excluded.last_error_detail ELSE c.last_error_detail END,
         last_error_method = CASE WHEN excluded.last_error_at >= coalesce(c.last_error_at, '-infinity') THEN excluded.last_error_method ELSE c.last_error_method END,
         last_error_path = CASE WHEN excluded.last_error_at >= coalesce(c.last_error_at, '-infinity') THEN excluded.last_error_path ELSE c.last_error_path END`,
      [
        tenantId,
        request?.at ?? null,
        request?.apiKeyId ?? null,
        request?.userAgent ?? null,
        error?.at ?? null,
        error?.status ?? null,
        error?.scimType ?? null,
        error?.detail ?? null,
        error?.method ?? null,
        error?.path ?? null,
      ],
    );
  }

  async find(tx: TenantTx): Promise<ScimConnectionRow | undefined> {
    const { rows } = await tx.sql<ScimConnectionRow>(
      `SELECT last_request_at, last_request_api_key_id, last_request_user_agent, last_error_at, last_error_status,
              last_error_scim_type, last_error_detail, last_error_method, last_error_path
         FROM scim_connection WHERE tenant_id = $1`,
      [tx.tenantId],
    );
    return rows[0];
  }
}
