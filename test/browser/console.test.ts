import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Cluster } from '../reliability/support/cluster.js';
import {
  ADMIN_TOKEN,
  type ServerProcess,
  startServerProcess,
  stopAllServers,
} from '../reliability/support/server-process.js';
import {
  type PageProblems,
  PHONE,
  horizontalOverflow,
  launchBrowser,
  newPerson,
  screenshot,
  seriousA11yIssues,
} from './support/browser.js';
import { GROUP, oktaClient, oktaFixture, oktaUser } from './support/okta.js';

/**
 * The console's story in a real browser, on the built server with a real database: an operator creates
 * a tenant and a setup link; the customer's admin opens it, generates a key and follows the Okta guide;
 * Okta's provisioning requests arrive with that key; the Team page shows exactly that team; the key is
 * rotated and the old one refused; revoked and expired setup links are refused. Every page is checked
 * with axe-core (no serious or critical finding), at 360 px, and photographed for docs/console.
 */
describe('the console, in Chromium', () => {
  let cluster: Cluster;
  let server: ServerProcess;
  let browser: Browser;
  let operator: { context: BrowserContext; page: Page; problems: PageProblems };
  let admin: { context: BrowserContext; page: Page; problems: PageProblems };
  let tenantId: string;
  let setupLink: string;
  let oktaKey: string;
  const ids: Record<string, string> = {};
  let groupId: string;

  const problems = () => [...(operator?.problems.errors ?? []), ...(admin?.problems.errors ?? [])];

  /** The page has its h1, no serious accessibility issue, and is photographed for the docs. */
  async function checkPage(page: Page, heading: string | RegExp, name: string, fullPage = false) {
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page
      .getByText(/…$/)
      .first()
      .waitFor({ state: 'detached' })
      .catch(() => undefined);
    expect(await seriousA11yIssues(page)).toEqual([]);
    await screenshot(page, name, fullPage);
  }

  /** The rows of a table region, each as its cells' text. */
  async function rows(page: Page, region: string): Promise<string[][]> {
    const table = page.getByRole('region', { name: region, exact: true });
    await table.waitFor();
    return table
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => (cell.textContent ?? '').trim())),
      );
  }

  beforeAll(async () => {
    cluster = await Cluster.start();
    server = await startServerProcess({ databaseUrl: await cluster.createDatabase('scim_console_browser') });
    browser = await launchBrowser();
    operator = await newPerson(browser, server.baseUrl);
    admin = await newPerson(browser, server.baseUrl);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stopAllServers();
    await cluster?.stop();
  }, 120_000);
  afterEach(() => {
    // No script error and no CSP violation on any page, whatever the test looked at.
    expect(problems()).toEqual([]);
  });

  it('an operator signs in with the keyboard, creates a tenant and a setup link', async () => {
    const { page } = operator;
    await page.goto('/console/');
    await page.waitForURL('**/console/sign-in');
    await checkPage(page, 'Sign in', 'sign-in');

    // Keyboard only: the page's heading has the focus (a screen reader says where it is), Tab leads to
    // the token field, Enter submits.
    expect(
      await page.evaluate(() => document.activeElement?.tagName + ' ' + document.activeElement?.textContent),
    ).toBe('H1 Sign in');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('admin-token');
    await page.keyboard.type('not-the-operator-token');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'not the operator token' }).waitFor();
    await page.getByLabel('Operator token').fill(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/console/tenants');

    await page.getByLabel(/New tenant/).fill('Acme');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('link', { name: 'Acme', exact: true }).waitFor();
    tenantId = /\/t\/([^/]+)\//.exec(
      (await page.getByRole('link', { name: 'Acme', exact: true }).getAttribute('href')) ?? '',
    )![1];

    await page.getByRole('button', { name: 'Setup links of Acme', exact: true }).click();
    await page.getByLabel('Valid for').selectOption('7');
    await page.getByRole('button', { name: 'Create setup link' }).click();
    setupLink = await page.getByRole('textbox', { name: 'Setup link', exact: true }).inputValue();
    expect(setupLink).toMatch(new RegExp(`^${server.baseUrl}/console/setup#setup_[0-9a-f-]{36}_[\\w-]+$`));
    await page.getByRole('button', { name: 'Copy Setup link' }).click();
    await page.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(setupLink);
    await checkPage(page, 'Tenants', 'tenants');
  });

  it("the customer's admin opens the link: a session of that tenant, the token gone from the address bar", async () => {
    const { page, context } = admin;
    await page.goto(setupLink);
    await page.waitForURL(`**/console/t/${tenantId}/connect`);
    expect(page.url()).not.toContain('#');
    expect(page.url()).not.toContain('setup_');
    // Nothing of the session in storage; the cookie is httpOnly and SameSite=Strict.
    expect(await page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0]);
    const cookies = await context.cookies();
    expect(cookies.map(({ name, httpOnly, sameSite }) => ({ name, httpOnly, sameSite }))).toEqual([
      { name: 'scim_console', httpOnly: true, sameSite: 'Strict' },
    ]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // A tenant admin has no operator pages: no link to them, and their address leads back to Connect
    // (after a reload: the session is the cookie, the CSRF token is read again).
    expect(await page.getByRole('link', { name: 'Tenants' }).count()).toBe(0);
    await page.goto('/console/tenants');
    await page.waitForURL(`**/console/t/${tenantId}/connect`);
  });

  it('generates an API key and follows the Okta guide', async () => {
    const { page } = admin;
    await page.getByRole('heading', { level: 1, name: 'Connect your identity provider' }).waitFor();
    expect(await page.getByLabel('Okta', { exact: true }).isChecked()).toBe(true);
    const baseUrl = page.getByRole('textbox', { name: 'SCIM base URL' });
    expect(await baseUrl.inputValue()).toBe(`${server.baseUrl}/scim/v2`);
    await page.getByRole('button', { name: 'Copy SCIM base URL' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${server.baseUrl}/scim/v2`);

    await page.getByLabel('Key name').fill('okta');
    await page.getByRole('button', { name: 'Generate API key' }).click();
    oktaKey = await page.getByRole('textbox', { name: 'API key okta' }).inputValue();
    expect(oktaKey).toMatch(/^scim_/);

    // The guide: the base URL, userName as the unique identifier, the actions, the role mapping.
    const guide = page.getByRole('region', { name: 'Set up Okta, step by step' });
    await expect(guide.textContent()).resolves.toContain(
      `SCIM connector base URL: ${server.baseUrl}/scim/v2`,
    );
    await expect(guide.textContent()).resolves.toContain('Unique identifier field for users: userName');
    for (const text of [
      'Push New Users',
      'Push Groups',
      'Deactivate Users',
      'Admin',
      'Editor',
      'Viewer',
      'userType',
    ]) {
      await expect(guide.textContent()).resolves.toContain(text);
    }
    await checkPage(page, 'Connect your identity provider', 'connect', true);
    // The Entra guide is one choice away.
    await page.getByLabel('Microsoft Entra ID').check();
    await expect(
      page.getByRole('region', { name: 'Set up Microsoft Entra ID, step by step' }).textContent(),
    ).resolves.toContain('SingleAppRoleAssignment([appRoleAssignments])');
    expect(await seriousA11yIssues(page)).toEqual([]);
    await page.getByLabel('Okta', { exact: true }).check();
  });

  it('Okta provisions with that key: users with roles, one deactivated, a group pushed with members', async () => {
    const okta = oktaClient(server.baseUrl, oktaKey);
    // Test Connector Configuration.
    expect((await okta('GET', '/Users?startIndex=1&count=2')).status).toBe(200);
    // An assignment with a role Okta's enum should not have: refused, and the console shows it.
    const refused = await okta('POST', '/Users', oktaUser('Eve', 'Owner', 'Owner', '00u0000000000000eve'));
    expect(refused.status).toBe(400);

    const people: [string, string, string | undefined][] = [
      ['Alice', 'Admin', 'Admin'],
      ['Bob', 'Editor', 'Editor'],
      ['Carol', 'Viewer', 'Viewer'],
      ['Dave', 'Leaver', undefined],
    ];
    for (const [given, family, role] of people) {
      const user = oktaUser(given, family, role, `00u${given.toLowerCase().padEnd(17, '0')}`);
      const lookup = await okta(
        'GET',
        `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}&startIndex=1&count=100`,
      );
      expect(lookup).toMatchObject({ status: 200, json: { totalResults: 0 } });
      const created = await okta('POST', '/Users', user);
      expect(created.status).toBe(201);
      ids[given] = created.json.id!;
    }
    // Unassigned in Okta: deactivated (the recorded PATCH).
    const off = await okta('PATCH', `/Users/${ids.Dave}`, oktaFixture('okta-deactivate-user'));
    expect(off).toMatchObject({ status: 200, json: { active: false } });

    // Push Groups: lookup, create empty, rename carrying the id, then the full member push.
    const lookup = await okta(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "Engineering"')}&startIndex=1&count=100`,
    );
    expect(lookup).toMatchObject({ status: 200, json: { totalResults: 0 } });
    const group = await okta('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Engineering',
      members: [],
    });
    expect(group.status).toBe(201);
    groupId = group.json.id!;
    const rename = oktaFixture('okta-group-rename-with-id', {
      'abf4dd94-a4c0-4f67-89c9-76b03340cb9b': groupId,
      'Test SCIMv2': 'Engineering',
    });
    expect((await okta('PATCH', `/Groups/${groupId}`, rename)).status).toBe(200);
    const push = oktaFixture('okta-group-full-push', {
      '23a35c27-23d3-4c03-b4c5-6443c09e7173': ids.Alice,
      'test.user@okta.local': 'alice.admin@acme.example',
      '89bb1940-b905-4575-9e7f-6f887cfb368e': ids.Bob,
      'another.user@okta.local': 'bob.editor@acme.example',
    });
    expect((await okta('PATCH', `/Groups/${groupId}`, push)).status).toBe(200);
  });

  it('the Team page shows exactly that team, with roles, statuses and groups; search and filters', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Team', exact: true }).click();
    await page.waitForURL(`**/t/${tenantId}/team`);
    expect(await rows(page, 'Team members')).toEqual([
      ['Alice Admin', 'alice.admin@acme.example', 'Admin', 'Active', 'Engineering'],
      ['Bob Editor', 'bob.editor@acme.example', 'Editor', 'Active', 'Engineering'],
      ['Carol Viewer', 'carol.viewer@acme.example', 'Viewer', 'Active', 'none'],
      ['Dave Leaver', 'dave.leaver@acme.example', 'Viewer', 'Deactivated', 'none'],
    ]);
    await checkPage(page, 'Team', 'team');

    const names = async () => (await rows(page, 'Team members')).map((row) => row[0]);
    const settled = (expected: string[]) =>
      page.waitForFunction(
        (want) =>
          JSON.stringify(
            [...document.querySelectorAll('[aria-label="Team members"] tbody th')].map(
              (th) => th.textContent,
            ),
          ) === JSON.stringify(want),
        expected,
      );
    await page.getByLabel('Role').selectOption('Admin');
    await settled(['Alice Admin']);
    await page.getByLabel('Role').selectOption('');
    await page.getByLabel('Status').selectOption('deactivated');
    await settled(['Dave Leaver']);
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Group').selectOption({ label: 'Engineering' });
    await settled(['Alice Admin', 'Bob Editor']);
    await page.getByLabel('Group').selectOption('');
    await page.getByLabel('Sort by').selectOption('role:desc');
    await settled(['Dave Leaver', 'Carol Viewer', 'Bob Editor', 'Alice Admin']);
    await page.getByLabel('Sort by').selectOption('name:asc');
    // Search from the keyboard: type, Enter.
    await page.getByLabel('Name or e-mail').fill('carol');
    await page.getByLabel('Name or e-mail').press('Enter');
    await settled(['Carol Viewer']);
    expect(await names()).toEqual(['Carol Viewer']);
    await page.getByLabel('Name or e-mail').fill('');
    await page.getByLabel('Name or e-mail').press('Enter');
    await settled(['Alice Admin', 'Bob Editor', 'Carol Viewer', 'Dave Leaver']);
  });

  it("a member's page: attributes, groups and history", async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Alice Admin' }).click();
    await page.waitForURL(`**/team/${ids.Alice}`);
    await page.getByRole('heading', { level: 1, name: 'Alice Admin' }).waitFor();
    const attributes = await page.getByRole('region', { name: 'Attributes' }).textContent();
    expect(attributes).toContain('alice.admin@acme.example');
    expect(attributes).toContain('Admin');
    expect(attributes).toContain('00ualice');
    await expect(
      page.getByRole('region', { name: 'Groups' }).getByRole('link').allTextContents(),
    ).resolves.toEqual(['Engineering']);
    const history = await rows(page, 'History of Alice Admin');
    expect(history.map((row) => row[1])).toContain('Created member');
    expect(history.every((row) => row.at(-1) === 'Identity provider (key okta)')).toBe(true);
    await checkPage(page, 'Alice Admin', 'member');
  });

  it('groups: name and member count; the group page with its members and history', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Groups', exact: true }).click();
    await page.waitForURL(`**/t/${tenantId}/groups`);
    await page.getByRole('heading', { level: 1, name: 'Groups' }).waitFor();
    expect(await rows(page, 'Groups')).toEqual([['Engineering', '2']]);
    await checkPage(page, 'Groups', 'groups');
    await page.getByRole('link', { name: 'Engineering' }).click();
    await page.waitForURL(`**/groups/${groupId}`);
    expect((await rows(page, 'Members of Engineering')).map((row) => row[0]).sort()).toEqual([
      'Alice Admin',
      'Bob Editor',
    ]);
    expect((await rows(page, 'History of Engineering')).map((row) => row[1])).toContain('Created group');
    await checkPage(page, 'Engineering', 'group');
  });

  it('activity: the audit trail, filtered by resource and operation', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Activity', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    const all = await rows(page, 'Activity');
    // 4 user creates, 1 deactivation, 1 group create, 2 group patches, 1 API key created in the console.
    expect(all.length).toBeGreaterThanOrEqual(9);
    expect(
      all.some((row) => row[1] === 'Created API key' && row.at(-1)!.startsWith('Admin (setup link')),
    ).toBe(true);
    await checkPage(page, 'Activity', 'activity');
    await page.getByLabel('Resource').selectOption('Group');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[aria-label="Activity"] tbody tr td:nth-child(2)')].every((td) =>
        td.textContent?.endsWith('group'),
      ),
    );
    await page.getByLabel('Operation').selectOption('create');
    await page.waitForFunction(
      () => document.querySelectorAll('[aria-label="Activity"] tbody tr').length === 1,
    );
    expect((await rows(page, 'Activity')).map((row) => row[1])).toEqual(['Created group']);
  });

  it('activity: the change events of those provisioning requests, by type, read on with Load more', async () => {
    const { page } = admin;
    // The view is a labelled radio group: the keyboard moves between the audit trail and the events.
    await page.getByRole('radio', { name: 'Audit trail' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/[?&]view=events/);
    // The page renders the new view just after the address changes: wait for it (bounded).
    await page.getByRole('radio', { name: 'Change events', checked: true }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('radio', { name: 'Change events' }).isChecked()).toBe(true);
    /** Each event row: its type, the resource cell's text and the links in it. */
    const events = () =>
      page
        .getByRole('region', { name: 'Change events', exact: true })
        .locator('tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => ({
            type: tr.querySelector('td:nth-child(2) code')?.textContent,
            resource: tr.querySelector('td:nth-child(3)')?.textContent ?? '',
            links: [...tr.querySelectorAll('td:nth-child(3) a')].map((a) => a.getAttribute('href')),
            requestId: tr.querySelector('td:nth-child(4)')?.textContent ?? '',
          })),
        );
    await page.getByRole('region', { name: 'Change events', exact: true }).waitFor();
    const all = await events();
    const of = (type: string) => all.filter((event) => event.type === type);
    // Oldest first, as the API gives them: the four users Okta created (Eve's 400 made none).
    expect(of('user.created').map((event) => event.resource.split(' · ')[0])).toEqual([
      'alice.admin@acme.example',
      'bob.editor@acme.example',
      'carol.viewer@acme.example',
      'dave.leaver@acme.example',
    ]);
    expect(of('user.created')[0].resource).toContain('Alice Admin');
    expect(of('user.created')[0].links).toEqual([`/console/t/${tenantId}/team/${ids.Alice}`]);
    expect(of('user.deactivated').map((event) => event.links)).toEqual([
      [`/console/t/${tenantId}/team/${ids.Dave}`],
    ]);
    expect(of('group.created').map((event) => event.links)).toEqual([
      [`/console/t/${tenantId}/groups/${groupId}`],
    ]);
    // One write added both members: their order within it is not Okta's.
    expect(
      of('group.member_added')
        .map((event) => event.links.join(' '))
        .sort(),
    ).toEqual(
      [ids.Alice, ids.Bob]
        .map((id) => `/console/t/${tenantId}/groups/${groupId} /console/t/${tenantId}/team/${id}`)
        .sort(),
    );
    expect(of('group.member_added').every((event) => event.resource.startsWith('Engineering'))).toBe(true);
    expect(all.every((event) => event.requestId.trim() !== '')).toBe(true);
    expect(all.map((event) => event.type).indexOf('user.deactivated')).toBeGreaterThan(
      all.map((event) => event.type).lastIndexOf('user.created'),
    );
    await checkPage(page, 'Activity', 'activity-events');

    await page.getByLabel('Event type').selectOption('user.deactivated');
    await page.waitForFunction(
      () => document.querySelectorAll('[aria-label="Change events"] tbody tr').length === 1,
    );
    expect((await events()).map((event) => event.type)).toEqual(['user.deactivated']);
    // Load more reads on from the last cursor: nothing newer, nothing shown twice.
    const more = page.waitForResponse(
      (response) => response.url().includes('/events?') && response.url().includes('after='),
    );
    await page.getByRole('button', { name: 'Load more' }).click();
    expect((await more).status()).toBe(200);
    await page.getByRole('button', { name: 'Load more' }).and(page.locator(':enabled')).waitFor();
    expect((await events()).map((event) => event.type)).toEqual(['user.deactivated']);
    await page.getByText('1 event, the latest included').waitFor();

    await page.getByRole('radio', { name: 'Change events' }).focus();
    await page.keyboard.press('ArrowLeft');
    await page.getByRole('region', { name: 'Activity', exact: true }).waitFor();
  });

  it("connection health: Okta's last request, with which key, and the last error it got", async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Connect', exact: true }).click();
    const health = page.getByRole('region', { name: 'Connection health' });
    // Recorded off the request path (throttled): reload until it shows, a bounded number of times.
    for (let attempt = 0; attempt < 20; attempt++) {
      const text = (await health.textContent()) ?? '';
      if (text.includes('Okta SCIM Client 1.0.0') && text.includes('400')) break;
      await new Promise((done) => setTimeout(done, 1000));
      await page.reload();
    }
    // The key's name comes from the key list, which may answer after the connection: until then the
    // panel shows the key's id. Wait (bounded) for the name; the assertion below says if it never came.
    await health
      .getByText('okta', { exact: true })
      .waitFor({ timeout: 10_000 })
      .catch(() => undefined);
    const text = await health.textContent();
    expect(text).toContain('Okta SCIM Client 1.0.0');
    expect(text).toContain('With the keyokta');
    expect(text).toMatch(/400 invalidValue on POST \/scim\/v2\/Users/);
  });

  it('the key is rotated: both work until the old one is revoked, then the old one is refused', async () => {
    const { page } = admin;
    const oldKey = oktaKey;
    await page.getByRole('button', { name: 'Rotate key okta' }).click();
    const newKey = await page.getByRole('textbox', { name: 'API key okta' }).inputValue();
    expect(newKey).toMatch(/^scim_/);
    expect(newKey).not.toBe(oldKey);
    const status = async (key: string) =>
      (await oktaClient(server.baseUrl, key)('GET', '/Users?count=1')).status;
    expect([await status(oldKey), await status(newKey)]).toEqual([200, 200]);

    await page.getByRole('button', { name: 'Revoke the old key (okta)' }).click();
    await page.getByRole('button', { name: 'Revoke the old key (okta)' }).waitFor({ state: 'detached' });
    expect([await status(oldKey), await status(newKey)]).toEqual([401, 200]);
    const keys = await rows(page, 'Keys of this tenant');
    expect(keys.map((row) => [row[0], row[4]])).toEqual(
      expect.arrayContaining([
        ['okta', 'Revoked'],
        ['okta', 'Active'],
      ]),
    );
    oktaKey = newKey;
  });

  it('the team pages with cursors: Next and Previous', async () => {
    const okta = oktaClient(server.baseUrl, oktaKey);
    for (let i = 1; i <= 30; i++) {
      const n = String(i).padStart(2, '0');
      expect(
        (await okta('POST', '/Users', oktaUser('Zed', `Member${n}`, 'Viewer', `00uzed${n}`))).status,
      ).toBe(201);
    }
    const { page } = admin;
    await page.getByRole('link', { name: 'Team', exact: true }).click();
    await page.waitForURL(`**/t/${tenantId}/team`);
    await page.getByRole('navigation', { name: 'Team pages' }).getByText('Page 1').waitFor();
    // The page may show the team as it was cached (4 members) until its refetch lands: wait (bounded).
    await page
      .getByRole('region', { name: 'Team members', exact: true })
      .locator('tbody tr')
      .nth(24)
      .waitFor({ timeout: 10_000 });
    const first = (await rows(page, 'Team members')).map((row) => row[0]);
    expect(first).toHaveLength(25);
    expect(first.slice(0, 4)).toEqual(['Alice Admin', 'Bob Editor', 'Carol Viewer', 'Dave Leaver']);
    expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2').waitFor();
    await page.waitForFunction(
      () => document.querySelectorAll('[aria-label="Team members"] tbody tr').length === 9,
    );
    const second = (await rows(page, 'Team members')).map((row) => row[0]);
    expect(second).toEqual(
      Array.from({ length: 9 }, (_, i) => `Zed Member${String(22 + i).padStart(2, '0')}`),
    );
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByText('Page 1').waitFor();
    await page.waitForFunction(
      () => document.querySelectorAll('[aria-label="Team members"] tbody tr').length === 25,
    );
    expect((await rows(page, 'Team members')).map((row) => row[0])).toEqual(first);
  });

  it('a revoked setup link is refused, and the sessions it started end at once', async () => {
    const { page } = operator;
    await page.goto('/console/tenants');
    await page.getByRole('button', { name: 'Setup links of Acme', exact: true }).click();
    await page.getByRole('button', { name: /^Revoke the link/ }).click();
    await page.getByRole('cell', { name: 'Revoked' }).waitFor();

    // The admin's open console: the next request ends on the sign-in page.
    await admin.page.reload();
    await admin.page.waitForURL('**/console/sign-in');

    const stranger = await newPerson(browser, server.baseUrl);
    await stranger.page.goto(setupLink);
    await stranger.page.getByRole('heading', { level: 1, name: 'This setup link does not work' }).waitFor();
    expect(await stranger.page.getByRole('alert').textContent()).toContain('expired or was revoked');
    expect(stranger.page.url()).not.toContain('#');
    expect(await stranger.context.cookies()).toEqual([]);
    await screenshot(stranger.page, 'setup-link-refused');
    expect(stranger.problems.errors).toEqual([]);
    await stranger.context.close();
  });

  it('an expired setup link is refused', async () => {
    const created = await fetch(`${server.baseUrl}/admin/v1/tenants/${tenantId}/setup-links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(created.status).toBe(201);
    const link = (await created.json()) as { id: string; url: string };
    // Its expiry moved into the past, as time would.
    await cluster.sql('scim_console_browser', (sql) =>
      sql.query(`UPDATE setup_link SET expires_at = now() - interval '1 minute' WHERE id = $1`, [link.id]),
    );
    const late = await newPerson(browser, server.baseUrl);
    await late.page.goto(link.url);
    await late.page.getByRole('heading', { level: 1, name: 'This setup link does not work' }).waitFor();
    expect(await late.context.cookies()).toEqual([]);
    await late.context.close();
  });

  it('every page at 360 px: no sideways scrolling, no serious accessibility issue', async () => {
    const phone = await newPerson(browser, server.baseUrl, PHONE);
    const { page } = phone;
    await page.goto('/console/sign-in');
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await seriousA11yIssues(page)).toEqual([]);
    await page.getByLabel('Operator token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Signed in once the console has moved on: navigating before that would abort the sign-in request.
    await page.waitForURL('**/console/tenants');
    const pages: [string, string | RegExp, string?][] = [
      ['/console/tenants', 'Tenants'],
      [`/console/t/${tenantId}/connect`, 'Connect your identity provider'],
      [`/console/t/${tenantId}/team`, 'Team', 'team-360'],
      [`/console/t/${tenantId}/team/${ids.Alice}`, 'Alice Admin'],
      [`/console/t/${tenantId}/groups`, 'Groups'],
      [`/console/t/${tenantId}/groups/${groupId}`, 'Engineering'],
      [`/console/t/${tenantId}/activity`, 'Activity'],
      [`/console/t/${tenantId}/activity?view=events`, 'Activity'],
    ];
    const overflowing: string[] = [];
    for (const [url, heading, shot] of pages) {
      await page.goto(url);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.locator('tbody tr, .muted').first().waitFor();
      if (await horizontalOverflow(page)) overflowing.push(url);
      expect([url, await seriousA11yIssues(page)]).toEqual([url, []]);
      if (shot) await screenshot(page, shot);
    }
    expect(overflowing).toEqual([]);
    expect(phone.problems.errors).toEqual([]);
    await phone.context.close();
  });
});
