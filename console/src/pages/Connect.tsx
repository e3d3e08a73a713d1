import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { api, body } from '../api/client.ts';
import type { ApiKey, Connection, CreatedApiKey } from '../api/types.ts';
import { CopyField, ErrorNote, Loading, TableWrap, When } from '../components/bits.tsx';
import { Page } from '../components/Page.tsx';
import { useApiKeys } from '../components/keys.ts';
import { EntraGuide, OktaGuide } from './guides.tsx';

type Provider = 'okta' | 'entra';

/** Connect: the SCIM base URL, a step-by-step guide for Okta or Entra, the API keys and the connection's health. */
export default function Connect() {
  const { tenantId = '' } = useParams();
  const [provider, setProvider] = useState<Provider>('okta');
  const connection = useQuery({
    queryKey: ['connection', tenantId],
    queryFn: async () =>
      body(await api.GET('/admin/v1/tenants/{id}/connection', { params: { path: { id: tenantId } } })),
    refetchInterval: 15_000,
  });
  const keys = useApiKeys(tenantId);
  const scimBaseUrl = connection.data?.scimBaseUrl ?? `${window.location.origin}/scim/v2`;

  return (
    <Page title="Connect your identity provider">
      <fieldset className="segmented">
        <legend>Identity provider</legend>
        {(
          [
            ['okta', 'Okta'],
            ['entra', 'Microsoft Entra ID'],
          ] as const
        ).map(([value, label]) => (
          <label key={value}>
            <input
              type="radio"
              name="provider"
              value={value}
              checked={provider === value}
              onChange={() => setProvider(value)}
            />
            {label}
          </label>
        ))}
      </fieldset>

      <section className="card" aria-labelledby="base-url-title">
        <h2 id="base-url-title">SCIM base URL</h2>
        <CopyField id="scim-base-url" label="SCIM base URL" value={scimBaseUrl} />
      </section>

      <ApiKeys tenantId={tenantId} keys={keys.data} error={keys.error} provider={provider} />

      <section className="card guide" aria-labelledby="guide-title">
        <h2 id="guide-title">
          {provider === 'okta' ? 'Set up Okta, step by step' : 'Set up Microsoft Entra ID, step by step'}
        </h2>
        {provider === 'okta' ? (
          <OktaGuide scimBaseUrl={scimBaseUrl} />
        ) : (
          <EntraGuide scimBaseUrl={scimBaseUrl} />
        )}
      </section>

      <Health connection={connection.data} error={connection.error} keys={keys.data} />
    </Page>
  );
}

function keyState(key: ApiKey): 'Active' | 'Revoked' | 'Expired' {
  if (key.revokedAt) return 'Revoked';
  if (key.expiresAt && new Date(key.expiresAt).getTime() <= Date.now()) return 'Expired';
  return 'Active';
}

function ApiKeys({
  tenantId,
  keys,
  error,
  provider,
}: {
  tenantId: string;
  keys?: ApiKey[];
  error: unknown;
  provider: Provider;
}) {
  const client = useQueryClient();
  const queryKey = ['api-keys', tenantId];
  const nameId = useId();
  const [name, setName] = useState('');
  /** The key just generated (its secret is shown once), and the one it replaces when rotating. */
  const [fresh, setFresh] = useState<{ key: CreatedApiKey; replaces?: ApiKey }>();
  const generate = useMutation({
    mutationFn: async ({ keyName }: { keyName: string; replaces?: ApiKey }) =>
      body(
        await api.POST('/admin/v1/tenants/{id}/api-keys', {
          params: { path: { id: tenantId } },
          body: { name: keyName },
        }),
      ),
    onSuccess(key, { replaces }) {
      setFresh({ key, replaces });
      setName('');
      void client.invalidateQueries({ queryKey });
    },
  });
  const revoke = useMutation({
    mutationFn: async (keyId: string) =>
      api.DELETE('/admin/v1/tenants/{id}/api-keys/{keyId}', { params: { path: { id: tenantId, keyId } } }),
    onSuccess(_answer, keyId) {
      if (fresh?.replaces?.id === keyId) setFresh(undefined);
      void client.invalidateQueries({ queryKey });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    generate.mutate({ keyName: name.trim() || provider });
  };
  const active = keys?.filter((key) => keyState(key) === 'Active') ?? [];

  return (
    <section className="card" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p>
        The identity provider sends a key with every request. Give it a key of its own: you can rotate or
        revoke it without touching anything else.
      </p>
      <form className="inline-form" onSubmit={submit}>
        <label htmlFor={nameId}>Key name</label>
        <input
          id={nameId}
          value={name}
          placeholder={provider}
          onChange={(e) => setName(e.target.value)}
          maxLength={100}
        />
        <button type="submit" disabled={generate.isPending}>
          Generate API key
        </button>
      </form>
      <ErrorNote error={generate.error} />
      {fresh && (
        <div className="notice" role="status">
          <p>
            <strong>Copy this key now: it is shown only once.</strong> The server keeps only its hash.
          </p>
          <CopyField id="new-api-key" label={`API key ${fresh.key.name}`} value={fresh.key.apiKey} />
          {fresh.replaces && keyState(fresh.replaces) === 'Active' && (
            <p>
              Both keys work now. Paste the new one into your identity provider, test the connection, then{' '}
              <button
                type="button"
                className="danger"
                disabled={revoke.isPending}
                onClick={() => fresh.replaces && revoke.mutate(fresh.replaces.id)}
              >
                Revoke the old key ({fresh.replaces.name})
              </button>
            </p>
          )}
        </div>
      )}
      {error ? (
        <ErrorNote error={error} />
      ) : !keys ? (
        <Loading what="Loading keys" />
      ) : keys.length === 0 ? (
        <p className="muted">No keys yet.</p>
      ) : (
        <TableWrap label="Keys of this tenant">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => {
              const state = keyState(key);
              return (
                <tr key={key.id} data-key-id={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <When at={key.createdAt} />
                  </td>
                  <td>
                    <When at={key.lastUsedAt} />
                  </td>
                  <td>
                    {key.expiresAt ? <When at={key.expiresAt} /> : <span className="muted">no expiry</span>}
                  </td>
                  <td>{state}</td>
                  <td className="actions">
                    {state === 'Active' && (
                      <>
                        <button
                          type="button"
                          className="secondary"
                          disabled={generate.isPending}
                          onClick={() => generate.mutate({ keyName: key.name, replaces: key })}
                        >
                          Rotate<span className="visually-hidden"> key {key.name}</span>
                        </button>
                        <button
                          type="button"
                          className="danger"
                          disabled={revoke.isPending}
                          onClick={() => {
                            const last =
                              active.length === 1 ? ' It is the last active key: provisioning stops.' : '';
                            if (
                              window.confirm(
                                `Revoke the key ${key.name}? Requests with it are refused at once.${last}`,
                              )
                            )
                              revoke.mutate(key.id);
                          }}
                        >
                          Revoke<span className="visually-hidden"> key {key.name}</span>
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </TableWrap>
      )}
      <ErrorNote error={revoke.error} />
    </section>
  );
}

function Health({ connection, error, keys }: { connection?: Connection; error: unknown; keys?: ApiKey[] }) {
  const keyName = (id?: string) => (id ? (keys?.find((key) => key.id === id)?.name ?? id) : undefined);
  return (
    <section className="card" aria-labelledby="health-title">
      <h2 id="health-title">Connection health</h2>
      {error ? (
        <ErrorNote error={error} />
      ) : !connection ? (
        <Loading what="Loading the connection" />
      ) : !connection.lastRequestAt ? (
        <p>The identity provider has not called yet. Test the connection from its provisioning settings.</p>
      ) : (
        <dl className="facts">
          <dt>Last request</dt>
          <dd>
            <When at={connection.lastRequestAt} />
          </dd>
          <dt>With the key</dt>
          <dd>{keyName(connection.lastRequestApiKeyId) ?? <span className="muted">unknown</span>}</dd>
          <dt>Client</dt>
          <dd>{connection.lastRequestUserAgent ?? <span className="muted">unknown</span>}</dd>
          <dt>Last error</dt>
          <dd>
            {connection.lastError ? (
              <>
                <When at={connection.lastError.at} />: {connection.lastError.status}
                {connection.lastError.scimType ? ` ${connection.lastError.scimType}` : ''} on{' '}
                <code>
                  {connection.lastError.method} {connection.lastError.path}
                </code>
                <br />
                {connection.lastError.detail}
              </>
            ) : (
              'none'
            )}
          </dd>
        </dl>
      )}
    </section>
  );
}
