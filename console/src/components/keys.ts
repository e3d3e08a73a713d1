import { useQuery } from '@tanstack/react-query';
import { api, body } from '../api/client.ts';

/** The tenant's API keys (Connect page and audit trails share the query). */
export function useApiKeys(tenantId: string) {
  return useQuery({
    queryKey: ['api-keys', tenantId],
    queryFn: async () =>
      body(await api.GET('/admin/v1/tenants/{id}/api-keys', { params: { path: { id: tenantId } } })),
  });
}

/** Key id → name, to say which key an identity provider's change came with. */
export function useKeyNames(tenantId: string): Map<string, string> {
  const keys = useApiKeys(tenantId);
  return new Map((keys.data ?? []).map((key) => [key.id, key.name]));
}
