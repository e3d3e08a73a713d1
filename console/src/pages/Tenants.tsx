import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, Navigate } from 'react-router';
import { api, body } from '../api/client.ts';
import type { CreatedSetupLink, CreatedTenant, Tenant } from '../api/types.ts';
import { CopyField, ErrorNote, Loading, TableWrap, When } from '../components/bits.tsx';
import { Page } from '../components/Page.tsx';
import { homeOf, useSession } from '../session.ts';

const TENANTS = ['tenants'] as const;

/** The operator's page: every tenant; create, rename, delete; setup links for a customer's admin. */
export default function Tenants() {
  const session = useSession();
  const operator = session.data?.role === 'operator';
  const client = useQueryClient();
  const tenants = useQuery({
    queryKey: TENANTS,
    queryFn: async () => body(await api.GET('/admin/v1/tenants')),
    enabled: operator,
  });
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedTenant>();
  const [selected, setSelected] = useState<string>();
  const create = useMutation({
    mutationFn: async (tenantName: string) =>
      body(await api.POST('/admin/v1/tenants', { body: { name: tenantName } })),
    onSuccess(tenant) {
      setCreated(tenant);
      setName('');
      setSelected(tenant.id);
      void client.invalidateQueries({ queryKey: TENANTS });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate(name.trim());
  };
  const selectedTenant = tenants.data?.find((tenant) => tenant.id === selected);
  // A customer's admin has one tenant and no operator pages.
  if (session.data && !operator) return <Navigate to={homeOf(session.data)} replace />;

  return (
    <Page title="Tenants">
      <form className="card inline-form" onSubmit={submit}>
        <label htmlFor="new-tenant">New tenant&rsquo;s name</label>
        <input
          id="new-tenant"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={200}
        />
        <button type="submit" disabled={create.isPending}>
          Create tenant
        </button>
        <ErrorNote error={create.error} />
      </form>
      {created && (
        <div className="card notice" role="status">
          <p>
            Created <strong>{created.name}</strong>. Its first API key is shown only now; you can also leave
            it unused and let the customer&rsquo;s admin generate keys on the Connect page.
          </p>
          <CopyField id="first-key" label="First API key" value={created.apiKey} />
        </div>
      )}
      {tenants.isPending ? (
        <Loading what="Loading tenants" />
      ) : tenants.error ? (
        <ErrorNote error={tenants.error} />
      ) : tenants.data.length === 0 ? (
        <p>No tenants yet.</p>
      ) : (
        <TableWrap label="Tenants">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {tenants.data.map((tenant) => (
              <TenantRow
                key={tenant.id}
                tenant={tenant}
                selected={tenant.id === selected}
                onSelect={() => setSelected(tenant.id)}
              />
            ))}
          </tbody>
        </TableWrap>
      )}
      {selectedTenant && <SetupLinks tenant={selectedTenant} onClose={() => setSelected(undefined)} />}
    </Page>
  );
}

function TenantRow({
  tenant,
  selected,
  onSelect,
}: {
  tenant: Tenant;
  selected: boolean;
  onSelect: () => void;
}) {
  const client = useQueryClient();
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(tenant.name);
  const rename = useMutation({
    mutationFn: async (newName: string) =>
      body(
        await api.PATCH('/admin/v1/tenants/{id}', {
          params: { path: { id: tenant.id } },
          body: { name: newName },
        }),
      ),
    onSuccess() {
      setRenaming(false);
      void client.invalidateQueries({ queryKey: TENANTS });
      void client.invalidateQueries({ queryKey: ['tenant', tenant.id] });
    },
  });
  const remove = useMutation({
    mutationFn: async () => api.DELETE('/admin/v1/tenants/{id}', { params: { path: { id: tenant.id } } }),
    onSuccess: () => client.invalidateQueries({ queryKey: TENANTS }),
  });
  return (
    <tr>
      <td>
        {renaming ? (
          <form
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              if (name.trim()) rename.mutate(name.trim());
            }}
          >
            <label className="visually-hidden" htmlFor={`rename-${tenant.id}`}>
              New name of {tenant.name}
            </label>
            <input
              id={`rename-${tenant.id}`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              autoFocus
            />
            <button type="submit" disabled={rename.isPending}>
              Save
            </button>
            <button type="button" className="secondary" onClick={() => setRenaming(false)}>
              Cancel
            </button>
            <ErrorNote error={rename.error} />
          </form>
        ) : (
          <Link to={`/t/${tenant.id}/team`}>{tenant.name}</Link>
        )}
      </td>
      <td>
        <When at={tenant.createdAt} />
      </td>
      <td className="actions">
        <Link to={`/t/${tenant.id}/connect`}>Connect</Link>
        <button type="button" className="secondary" aria-expanded={selected} onClick={onSelect}>
          Setup links<span className="visually-hidden"> of {tenant.name}</span>
        </button>
        {!renaming && (
          <button type="button" className="secondary" onClick={() => setRenaming(true)}>
            Rename<span className="visually-hidden"> {tenant.name}</span>
          </button>
        )}
        <button
          type="button"
          className="danger"
          disabled={remove.isPending}
          onClick={() => {
            if (window.confirm(`Delete ${tenant.name} with all its keys, users, groups and audit trail?`))
              remove.mutate();
          }}
        >
          Delete<span className="visually-hidden"> {tenant.name}</span>
        </button>
        <ErrorNote error={remove.error} />
      </td>
    </tr>
  );
}

const EXPIRY_DAYS = [1, 7, 30];

function SetupLinks({ tenant, onClose }: { tenant: Tenant; onClose: () => void }) {
  const client = useQueryClient();
  const key = ['setup-links', tenant.id];
  const [days, setDays] = useState(7);
  const [created, setCreated] = useState<CreatedSetupLink>();
  const [now] = useState(() => Date.now());
  const links = useQuery({
    queryKey: key,
    queryFn: async () =>
      body(await api.GET('/admin/v1/tenants/{id}/setup-links', { params: { path: { id: tenant.id } } }))
        .setupLinks,
  });
  const create = useMutation({
    mutationFn: async () => {
      // At most 30 days ahead (the server refuses more); a minute less, so the clock's drift never matters.
      const expiresAt = new Date(Date.now() + days * 86_400_000 - 60_000).toISOString();
      return body(
        await api.POST('/admin/v1/tenants/{id}/setup-links', {
          params: { path: { id: tenant.id } },
          body: { expiresAt },
        }),
      );
    },
    onSuccess(link) {
      setCreated(link);
      void client.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: async (linkId: string) =>
      api.DELETE('/admin/v1/tenants/{id}/setup-links/{linkId}', {
        params: { path: { id: tenant.id, linkId } },
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });

  return (
    <section className="card" aria-labelledby="setup-links-title">
      <div className="page-head">
        <h2 id="setup-links-title">Setup links of {tenant.name}</h2>
        <button type="button" className="secondary" onClick={onClose}>
          Close<span className="visually-hidden"> the setup links of {tenant.name}</span>
        </button>
      </div>
      <p>
        A setup link signs the customer&rsquo;s admin in to this tenant only (Connect, Team, Groups, Activity)
        until it expires or is revoked. Send it to them over a channel you trust.
      </p>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <label htmlFor="link-days">Valid for</label>
        <select id="link-days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {EXPIRY_DAYS.map((d) => (
            <option key={d} value={d}>
              {d === 1 ? '1 day' : `${d} days`}
            </option>
          ))}
        </select>
        <button type="submit" disabled={create.isPending}>
          Create setup link
        </button>
      </form>
      <ErrorNote error={create.error} />
      {created && (
        <div className="notice" role="status">
          <CopyField id="setup-link-url" label="Setup link" value={created.url} />
          <p className="muted">
            Expires <When at={created.expiresAt} />. It is shown only now.
          </p>
        </div>
      )}
      {links.isPending ? (
        <Loading what="Loading setup links" />
      ) : links.error ? (
        <ErrorNote error={links.error} />
      ) : links.data.length === 0 ? (
        <p className="muted">No setup links yet.</p>
      ) : (
        <TableWrap label={`Setup links of ${tenant.name}`}>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {links.data.map((link) => {
              const expired = new Date(link.expiresAt).getTime() <= now;
              return (
                <tr key={link.id}>
                  <td>
                    <When at={link.createdAt} />
                  </td>
                  <td>
                    <When at={link.expiresAt} />
                  </td>
                  <td>
                    <When at={link.lastUsedAt} />
                  </td>
                  <td>
                    {link.revokedAt ? (
                      'Revoked'
                    ) : expired ? (
                      'Expired'
                    ) : (
                      <button
                        type="button"
                        className="danger"
                        disabled={revoke.isPending}
                        onClick={() => revoke.mutate(link.id)}
                      >
                        Revoke<span className="visually-hidden"> the link created {link.createdAt}</span>
                      </button>
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
