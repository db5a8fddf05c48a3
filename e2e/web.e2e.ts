import { randomUUID } from 'node:crypto';
import { photo } from '@pixelflow/testing';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { register } from './helpers/accounts.ts';
import { pageErrors, screenshot, seriousA11yViolations, useBrowser } from './helpers/browser.ts';
import { useCluster } from './helpers/cluster.ts';
import { useFaultConverters } from './helpers/faults.ts';

// The web app in Debian's Chromium against the whole system in multi-process mode (real Redis and
// PostgreSQL): what a person does with it, each test ending with a screenshot in
// .test-env/screenshots/.
// A converter that reports progress in five steps over 2.5 s, so that the bar has time to move.
const faults = useFaultConverters({ delayMs: 2500 });

const env = useCluster('web', {
  jobsInstances: 1,
  conversionInstances: 1,
  get extraConverters() {
    return { progress: faults.urls.progress };
  },
});
const browser = useBrowser();

const garden = () => photo('mate/nature/Garden.jpg');

async function open(page: Page, path = '/'): Promise<void> {
  await page.goto(`${env.cluster.gatewayUrl}${path}`);
}

/** Picks the photo, the converter, and presses Start. */
async function convert(page: Page, converter: string, file = garden()): Promise<void> {
  await page.locator('input[type=file]').setInputFiles(file);
  await page.getByRole('img', { name: /^Your photo/ }).waitFor();
  await page.getByLabel('Converter', { exact: true }).selectOption(converter);
  await page.getByRole('button', { name: 'Start' }).click();
}

/** Signs in through the account page; returns the main navigation, which then shows the email. */
async function signIn(page: Page, email: string, password: string) {
  await open(page, '/account');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page.getByRole('navigation', { name: 'Main' });
}

async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await seriousA11yViolations(page), `serious or critical axe violations on ${what}`).toEqual([]);
}

describe('the editor', () => {
  it('converts anonymously: the progress bar rises, the result appears beside the original', async () => {
    const page = await browser.page();
    await open(page);
    await expectAccessible(page, 'the empty editor');
    await convert(page, 'progress');
    const bar = page.getByRole('progressbar', { name: 'Conversion progress' });
    // Sample what the page shows while the job runs.
    const seen = new Set<number>();
    const status = page.getByRole('status').filter({ hasText: /Done\.|failed/ });
    while (!(await status.isVisible())) {
      const value = await bar
        .evaluate((element) => (element as unknown as { value: number }).value)
        .catch(() => 0);
      seen.add(value);
      await page.waitForTimeout(100);
    }
    await expect.poll(() => status.textContent()).toContain('Done.');
    expect(
      [...seen].some((value) => value > 0 && value < 100),
      `progress seen: ${[...seen]}`,
    ).toBe(true);
    const result = page.getByRole('link', { name: 'Download' });
    expect(await result.getAttribute('href')).toMatch(/\/jobs\/[\w-]+\/result$/);
    await screenshot(page, 'editor-result');
    await expectAccessible(page, 'the editor with a result');
    expect(pageErrors(page)).toEqual([]);
  });

  it('applies another converter to the result', async () => {
    const page = await browser.page();
    await open(page);
    await convert(page, 'grayscale');
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor();
    await page.getByRole('button', { name: 'Apply another converter to this result' }).click();
    await page.getByRole('img', { name: /^Your photo/ }).waitFor();
    await page.getByLabel('Converter', { exact: true }).selectOption('flip');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor();
    await screenshot(page, 'editor-chained');
  });

  it('falls back to polling when the WebSocket is blocked, and still finishes', async () => {
    const page = await browser.page();
    // Every WebSocket the page opens is closed at once, as a proxy that refuses them would.
    await page.context().routeWebSocket(/\/graphql/, (socket) => socket.close());
    await open(page);
    await convert(page, 'progress');
    await page.getByText('live updates unavailable').waitFor({ timeout: 15_000 });
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('link', { name: 'Download' }).getAttribute('href')).toMatch(/result$/);
    await screenshot(page, 'editor-polling-fallback');
  });

  it('says so when the network is lost mid-job, and finishes once it is back', async () => {
    const page = await browser.page();
    await page.context().routeWebSocket(/\/graphql/, (socket) => socket.close());
    await open(page);
    await page.locator('input[type=file]').setInputFiles(garden());
    await page.getByRole('img', { name: /^Your photo/ }).waitFor();
    await page.getByLabel('Converter', { exact: true }).selectOption('progress');
    // The job is created; from then on every request fails as on a dead network.
    const created = page.waitForResponse(
      (r) => r.url().endsWith('/graphql') && r.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Start' }).click();
    await created;
    await page.route('**/graphql', (route) => route.abort('internetdisconnected'));
    const lost = page.getByRole('alert').filter({ hasText: 'connection to the server is lost' });
    await lost.waitFor({ timeout: 20_000 });
    await screenshot(page, 'editor-network-lost');
    await page.unroute('**/graphql');
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor({ timeout: 30_000 });
    expect(await lost.isVisible()).toBe(false);
  });

  it('says so in the page when the file is over 5 MB, on a phone-sized screen', async () => {
    const page = await browser.page({ phone: true });
    await open(page);
    await page.locator('input[type=file]').setInputFiles(photo('mate/abstract/Elephants_3840x2160.jpg'));
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/limit is 5 MB/);
    await screenshot(page, 'editor-too-large-phone');
    await expectAccessible(page, 'the editor with an error, phone-sized');
  });

  it('says so in the page when the file is not an image', async () => {
    const page = await browser.page();
    await open(page);
    await page
      .locator('input[type=file]')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not an image/);
    await screenshot(page, 'editor-not-an-image');
  });
});

describe('accounts and the gallery', () => {
  it('register → convert → the result is in the gallery → reload → still there → delete', async () => {
    const page = await browser.page();
    const email = `web-${randomUUID().slice(0, 8)}@example.test`;
    await open(page, '/account');
    await page.getByRole('button', { name: 'No account yet? Create one' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery staple');
    await expectAccessible(page, 'the account page');
    await page.getByRole('button', { name: 'Create account' }).click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByText(email).waitFor();

    await nav.getByRole('link', { name: 'Editor' }).click();
    await convert(page, 'grayscale');
    await page.getByText('Saved to').waitFor({ timeout: 30_000 });

    await nav.getByRole('link', { name: 'Gallery' }).click();
    const thumbs = page.locator('.gallery-grid button');
    await expect.poll(() => thumbs.count(), { timeout: 15_000 }).toBe(2);
    await expect
      .poll(() => thumbs.allTextContents())
      .toEqual([expect.stringContaining('Result: grayscale'), expect.stringContaining('Original')]);
    await screenshot(page, 'gallery');
    await expectAccessible(page, 'the gallery');

    // The access token lived in memory only: the session comes back from the HttpOnly cookie.
    await page.reload({ waitUntil: 'networkidle' });
    await nav.getByText(email).waitFor();
    await expect.poll(() => thumbs.count(), { timeout: 15_000 }).toBe(2);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'pixelflow_refresh')).toMatchObject({ httpOnly: true });
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie),
    ).not.toContain('pixelflow_refresh');

    await thumbs.first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('img').waitFor();
    await screenshot(page, 'gallery-image');
    await expectAccessible(page, 'an image opened from the gallery');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Yes, delete it' }).click();
    await expect.poll(() => thumbs.count()).toBe(1);
    await page.reload();
    await expect.poll(() => thumbs.count(), { timeout: 15_000 }).toBe(1);
    await screenshot(page, 'gallery-after-delete');

    // Signing out ends the sign-in for good: a reload does not bring it back.
    await nav.getByRole('button', { name: 'Sign out' }).click();
    await nav.getByRole('link', { name: 'Sign in' }).waitFor();
    await page.reload({ waitUntil: 'networkidle' });
    await nav.getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await nav.getByText(email).count()).toBe(0);
    expect(pageErrors(page)).toEqual([]);
  });

  it('signs in and loads more of a large gallery as it scrolls', async () => {
    // 13 conversions through the API: 26 images, more than one page of 24.
    const account = await register(env.cluster.gatewayUrl);
    const ids = await Promise.all(
      Array.from({ length: 13 }, async () => {
        const { data, errors } = await account.client.convert(garden(), 'grayscale');
        if (!data) throw new Error(JSON.stringify(errors));
        return data.convertImage.id;
      }),
    );
    for (const id of ids) {
      await account.client.subscribe(id).until((e) => e.status === 'SUCCEEDED', 60_000);
    }
    // A phone: one page of thumbnails is taller than the screen, so only scrolling loads more.
    const page = await browser.page({ phone: true });
    const nav = await signIn(page, account.email, account.password);
    await nav.getByText(account.email).waitFor();
    await nav.getByRole('link', { name: 'Gallery' }).click();
    const thumbs = page.locator('.gallery-grid button');
    await expect.poll(() => thumbs.count(), { timeout: 15_000 }).toBe(24);
    await page.waitForTimeout(1000);
    expect(await thumbs.count()).toBe(24);
    await thumbs.last().scrollIntoViewIfNeeded();
    await expect.poll(() => thumbs.count(), { timeout: 15_000 }).toBe(26);
    await screenshot(page, 'gallery-scrolled');

    // A tall screen: the first page leaves the end of the grid in sight, so the next one loads too.
    const desktop = await browser.page();
    const desktopNav = await signIn(desktop, account.email, account.password);
    await desktopNav.getByText(account.email).waitFor();
    await desktopNav.getByRole('link', { name: 'Gallery' }).click();
    await expect.poll(() => desktop.locator('.gallery-grid button').count(), { timeout: 15_000 }).toBe(26);
  });

  it('shows a wrong password in the page', async () => {
    const page = await browser.page();
    await signIn(page, `nobody-${randomUUID().slice(0, 8)}@example.test`, 'not the right password');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/email or password/i);
    await screenshot(page, 'account-wrong-password');
  });
});

describe('the playground', () => {
  /** Replaces the operation in GraphiQL's editor and runs it; returns the response pane. */
  async function run(page: Page, operation: string) {
    const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    // insertText, not typing: the editor would close each bracket typed.
    await page.keyboard.insertText(operation);
    // GraphiQL takes the operation's name from the editor after a short debounce.
    await page.waitForTimeout(700);
    await page.getByRole('button', { name: /Execute query/ }).click();
    return page.locator('.graphiql-response');
  }

  it('runs a query and a subscription against the gateway, offline', async () => {
    const page = await browser.page();
    const external: string[] = [];
    page.on('request', (request) => {
      if (
        !request.url().startsWith(env.cluster.gatewayUrl.replace('http', 'ws')) &&
        !request.url().startsWith(env.cluster.gatewayUrl) &&
        !request.url().startsWith('data:') &&
        !request.url().startsWith('blob:')
      )
        external.push(request.url());
    });
    await open(page, '/playground');
    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor({ timeout: 30_000 });
    const response = await run(page, '{ converters { id healthy } }');
    await expect.poll(() => response.textContent(), { timeout: 15_000 }).toContain('"grayscale"');
    await screenshot(page, 'playground-query');

    const { data } = await env.client.convert(garden(), 'progress');
    const id = data!.convertImage.id;
    await run(page, `subscription { jobUpdated(id: "${id}") { status progress } }`);
    await expect.poll(() => response.textContent(), { timeout: 30_000 }).toContain('SUCCEEDED');
    await screenshot(page, 'playground-subscription');

    // A mutation: signing out a refresh token that does not exist changes nothing, and says so.
    await run(page, 'mutation { logout(refreshToken: "no-such-token") }');
    await expect.poll(() => response.textContent(), { timeout: 15_000 }).toContain('"logout"');
    await expectAccessible(page, 'the playground');
    expect(external, 'requests that left the gateway').toEqual([]);
    expect(pageErrors(page)).toEqual([]);
    // Every page carries the script policy, however it is reached.
    for (const path of ['/', '/index.html', '/gallery', '/playground']) {
      const response = await fetch(`${env.cluster.gatewayUrl}${path}`, { headers: { accept: 'text/html' } });
      expect(response.headers.get('content-security-policy'), path).toContain("script-src 'self'");
    }
  });
});
