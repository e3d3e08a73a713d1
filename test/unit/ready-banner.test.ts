import { readyBanner } from '../../src/server.js';

describe('the ready banner printed last at start', () => {
  it('says where the SCIM base, Swagger UI, console and health are, and how to get an API key', () => {
    const text = readyBanner({
      baseUrl: 'http://localhost:3000',
      databaseLabel: 'embedded',
      embeddedData: { path: '/srv/scim/.data/pg', relocated: false },
    });
    const lines = text.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(8);
    expect(text).toContain('SCIM server ready (database: embedded, data in /srv/scim/.data/pg)');
    expect(text).toMatch(/SCIM base URL: +http:\/\/localhost:3000\/scim\/v2\n/);
    expect(text).toMatch(/Swagger UI: +http:\/\/localhost:3000\/docs\n/);
    expect(text).toMatch(/Console: .*\/console/);
    expect(text).toContain('npm run cli -- tenants create <name>');
  });

  it('says when the embedded data lives outside DATA_DIR, and names an external database', () => {
    expect(
      readyBanner({
        baseUrl: 'http://localhost:3000',
        databaseLabel: 'embedded',
        embeddedData: { path: '/var/lib/scim-server/abc/pg', relocated: true },
      }),
    ).toMatch(
      /data in \/var\/lib\/scim-server\/abc\/pg \(DATA_DIR is out of reach of the OS user "postgres"\)/,
    );
    expect(
      readyBanner({ baseUrl: 'https://scim.example.com', databaseLabel: 'postgres://scim:***@db:5432/scim' }),
    ).toContain('(database: postgres://scim:***@db:5432/scim)');
  });
});
