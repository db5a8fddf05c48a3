import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/** Debian's Chromium (`pnpm test` installs it with apt-get where missing); CHROMIUM overrides. */
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const screenshotDir = resolve(import.meta.dirname, '../../.test-env/screenshots');

export interface BrowserHandle {
  browser: Browser;
  /** A fresh context (own cookies and storage) with one page, at a desktop or a phone's size. */
  page(options?: { phone?: boolean }): Promise<Page>;
}

/** One headless Chromium per test file; every context it opened is closed after the file. */
export function useBrowser(): BrowserHandle {
  const contexts: BrowserContext[] = [];
  const handle = {} as BrowserHandle;
  beforeAll(async () => {
    handle.browser = await chromium.launch({
      executablePath,
      // Containers and CI runners have no user namespaces for the sandbox, no GPU, a small /dev/shm.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    handle.page = async ({ phone = false } = {}) => {
      const context = await handle.browser.newContext(
        phone
          ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
          : { viewport: { width: 1280, height: 900 } },
      );
      contexts.push(context);
      const page = await context.newPage();
      // A page error is a test failure: collect them for the test to assert on.
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      // So is anything the page's Content-Security-Policy blocked.
      page.on('console', (message) => {
        if (message.type() === 'error' && message.text().includes('Content Security Policy'))
          errors.push(message.text());
      });
      (page as Page & { errors: string[] }).errors = errors;
      return page;
    };
  }, 60_000);
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await handle.browser?.close();
  });
  return handle;
}

/** Uncaught errors the page threw, and what its Content-Security-Policy blocked, so far. */
export const pageErrors = (page: Page): string[] => (page as Page & { errors?: string[] }).errors ?? [];

/** Saves a full-page screenshot under .test-env/screenshots/ (CI keeps them as artifacts). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page and returns the serious and critical violations. Evaluated through
 * the DevTools protocol, which the page's Content-Security-Policy does not restrict.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    type AxeResult = { violations: Array<Record<string, unknown>> };
    const axe = (globalThis as unknown as { axe: { run(): Promise<AxeResult> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: String(v.id),
      impact: (v.impact as string | null) ?? null,
      help: String(v.help),
      nodes: (v.nodes as Array<{ target: unknown }>).map((n) => JSON.stringify(n.target)),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
