import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';

/** Debian's chromium (the `chromium` package; .ci/run installs it), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

/**
 * Screenshots for the docs go to docs/console/ when CONSOLE_SCREENSHOTS=1 (then committed); otherwise to
 * a temporary folder, so a test run leaves the work tree as it was.
 */
export const SCREENSHOT_DIR =
  process.env.CONSOLE_SCREENSHOTS === '1'
    ? resolve(import.meta.dirname, '../../../docs/console')
    : mkdtempSync(join(tmpdir(), 'scim-console-screens-'));
mkdirSync(SCREENSHOT_DIR, { recursive: true });

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Chromium's sandbox refuses to run as root (CI and these machines run as root).
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** What a page did wrong that no assertion looks at: script errors, CSP violations, failed requests of its own. */
export interface PageProblems {
  errors: string[];
}

/** A new browser profile (cookies of its own: one person), with a clipboard the test can read. */
export async function newPerson(
  browser: Browser,
  baseUrl: string,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({
    viewport,
    baseURL: baseUrl,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  // A step that cannot happen fails in seconds, not after Playwright's default half-minute.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: PageProblems = { errors: [] };
  page.on('pageerror', (error) => problems.errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A refused script, style or request of the console's own CSP is a bug of the page.
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.errors.push(`CSP: ${message.text()}`);
    }
  });
  return { context, page, problems };
}

/** axe-core's serious and critical findings on the page as it is now (WCAG 2.1 A and AA rules). */
export async function seriousA11yIssues(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes
          .slice(0, 3)
          .map((node) => node.target.join(' '))
          .join(', ')}`,
    );
}

/** The page is wider than the window (the reader would scroll sideways): its width, else 0. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const width = document.documentElement.scrollWidth;
    return width > window.innerWidth ? width : 0;
  });
}

export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage, animations: 'disabled' });
}
