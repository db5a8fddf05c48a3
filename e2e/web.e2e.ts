import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { photo } from '@pixelflow/testing';
import type { Locator, Page, Request } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { register } from './helpers/accounts.ts';
import { pageErrors, screenshot, seriousA11yViolations, useBrowser } from './helpers/browser.ts';
import { useCluster } from './helpers/cluster.ts';
import { useFaultConverters } from './helpers/faults.ts';

// The web app in Debian's Chromium against the whole system in multi-process mode (real Redis and
// PostgreSQL): what a person does with it, each test ending with a screenshot in
// .test-env/screenshots/.
// A converter that reports progress in five steps over 2.5 s, so that the bar has time to move,
// and one that takes as long as its `delayMs` param says, to keep the one runner busy.
const faults = useFaultConverters({ delayMs: 2500 });

const env = useCluster('web', {
  jobsInstances: 1,
  conversionInstances: 1,
  get extraConverters() {
    return { progress: faults.urls.progress, slow: faults.urls.slow };
  },
  // One job at a time, so that a job started from the page waits behind another; queue places
  // are told every second rather than every five.
  serviceEnv: { conversion: { RUNNER_CONCURRENCY: '1', HEARTBEAT_MS: '1000' } },
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

// The tests' TypeScript has no DOM types: what they read in the page, declared as used (and
// named inside each evaluated function, which runs in the page without this module's scope).
type InPage = {
  innerHeight: number;
  scrollY: number;
  document: { activeElement: unknown };
};

/** Whether the element is at least partly inside the viewport. */
function onScreen(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => {
    type Box = { top: number; bottom: number };
    const box = (element as unknown as { getBoundingClientRect(): Box }).getBoundingClientRect();
    return box.bottom > 0 && box.top < (globalThis as unknown as InPage).innerHeight;
  });
}

/** Whether the element has the keyboard focus. */
function hasFocus(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => (globalThis as unknown as InPage).document.activeElement === element);
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

describe('results a person can rely on', () => {
  it('says until when the result can be downloaded, saves only a checked image, and converts again once it expired', async () => {
    const page = await browser.page();
    await open(page);
    await convert(page, 'grayscale');
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor();
    const notice = page.getByText(/^Download available until/);
    const until = await notice.locator('time').getAttribute('datetime');
    // The service's default retention: an hour after the job ended.
    const left = Date.parse(until ?? '') - Date.now();
    expect(left).toBeGreaterThan(55 * 60_000);
    expect(left).toBeLessThanOrEqual(60 * 60_000);
    const localTime = await page.evaluate(
      (at) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
      until ?? '',
    );
    expect(await notice.textContent()).toBe(`Download available until ${localTime}.`);

    const link = page.getByRole('link', { name: 'Download' });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^Garden-grayscale\.(jpg|png|webp)$/);
    const saved = await sharp(await readFile(await download.path())).metadata();
    expect(saved.width).toBeGreaterThan(0);

    // From now on the server answers as it does once the retention has passed.
    const firstResult = await link.getAttribute('href');
    const expired = JSON.stringify({ error: { code: 'JOB_NOT_FOUND', message: 'unknown or expired' } });
    await page.route('**/jobs/*/result', (route) =>
      route.fulfill({ status: 404, contentType: 'application/json', body: expired }),
    );
    const downloads: string[] = [];
    page.on('download', (started) => downloads.push(started.suggestedFilename()));
    await link.click();
    await page.getByRole('status').filter({ hasText: 'This result has expired' }).waitFor();
    expect(downloads, 'the error body was not saved').toEqual([]);
    await screenshot(page, 'editor-result-expired');
    await expectAccessible(page, 'the editor with an expired result');

    await page.unroute('**/jobs/*/result');
    await page.getByRole('button', { name: 'Convert again' }).click();
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor();
    expect(await link.getAttribute('href')).not.toBe(firstResult);
    expect(pageErrors(page)).toEqual([]);
  });

  it('brings the status and then the result into view, with focus on it, on a phone', async () => {
    const page = await browser.page({ phone: true });
    await open(page);
    await convert(page, 'progress');
    const heading = page.getByRole('heading', { name: '3. Result' });
    await expect.poll(() => hasFocus(heading)).toBe(true);
    await expect
      .poll(() => onScreen(page.getByRole('region', { name: '3. Result' }).getByRole('status')))
      .toBe(true);
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => onScreen(page.getByRole('img', { name: 'Result' }))).toBe(true);
    expect(await hasFocus(heading)).toBe(true);
    // It was below the fold: the page scrolled there by itself.
    expect(await page.evaluate(() => (globalThis as unknown as InPage).scrollY)).toBeGreaterThan(0);
    await screenshot(page, 'editor-result-phone');
  });

  it('keeps the photo, the settings and the result after a visit to the gallery, Back and a reload', async () => {
    const page = await browser.page();
    await open(page);
    await page.locator('input[type=file]').setInputFiles(garden());
    await page.getByRole('img', { name: /^Your photo/ }).waitFor();
    await page.getByLabel('Converter', { exact: true }).selectOption('blur');
    await page.getByLabel('Strength', { exact: true }).fill('7');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor();
    const result = await page.getByRole('link', { name: 'Download' }).getAttribute('href');

    const expectAsLeft = async (when: string) => {
      await page.getByRole('img', { name: 'Your photo: Garden.jpg' }).waitFor();
      expect(await page.getByLabel('Converter', { exact: true }).inputValue(), when).toBe('blur');
      expect(await page.getByLabel('Strength', { exact: true }).inputValue(), when).toBe('7');
      // Re-attached to the same job: its result, the comparison and until when it stays.
      await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor();
      expect(await page.getByRole('link', { name: 'Download' }).getAttribute('href'), when).toBe(result);
      await page.getByRole('slider', { name: /Before and after/ }).waitFor();
      await page.getByText(/^Download available until/).waitFor();
    };
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Gallery' }).click();
    await page.getByRole('heading', { name: 'Your gallery' }).waitFor();
    await nav.getByRole('link', { name: 'Editor' }).click();
    await expectAsLeft('back from the gallery');
    await nav.getByRole('link', { name: 'Gallery' }).click();
    await page.getByRole('heading', { name: 'Your gallery' }).waitFor();
    await page.goBack();
    await expectAsLeft('after the browser’s Back button');
    await page.reload();
    await expectAsLeft('after a reload');
    await screenshot(page, 'editor-after-reload');
    expect(pageErrors(page)).toEqual([]);
  });
});

/** A job of the slow converter started through the API: it holds the one runner for `ms`. */
async function slowJob(ms: number): Promise<{ id: string; cancel(): Promise<void> }> {
  const { data, errors } = await env.client.convert(garden(), 'slow', { params: { delayMs: ms } });
  if (!data) throw new Error(JSON.stringify(errors));
  const { id, cancelToken } = data.convertImage;
  const cancel = async () => {
    await env.client.graphql(
      'mutation($id: ID!, $token: String) { cancelJob(id: $id, cancelToken: $token) { id } }',
      {
        id,
        token: cancelToken,
      },
    );
  };
  return { id, cancel };
}

/** The job the page follows, from what it keeps for a reload. */
const pageJobId = (page: Page) =>
  page.evaluate(() => {
    const kept = (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } })
      .sessionStorage;
    return (
      (JSON.parse(kept.getItem('pixelflow:editor') ?? '{}') as { run?: { jobId: string } }).run?.jobId ?? ''
    );
  });

/** convertImage's request: the only multipart one the page sends (it carries the photo). */
const isUpload = (request: Request) =>
  request.method() === 'POST' &&
  request.url().endsWith('/graphql') &&
  (request.headers()['content-type'] ?? '').startsWith('multipart/form-data');

/** Picks the slow converter with a delay of `ms` (its form is generated from its schema). */
async function pickSlow(page: Page, ms: number): Promise<void> {
  await page.locator('input[type=file]').setInputFiles(garden());
  await page.getByRole('img', { name: /^Your photo/ }).waitFor();
  await page.getByLabel('Converter', { exact: true }).selectOption('slow');
  await page.getByLabel('Delay Ms', { exact: true }).fill(String(ms));
}

describe('steps, waiting and cancelling', () => {
  it('shows the job’s place in line while it waits, live, and cancels it from the page', async () => {
    // Timed once, so that the line has estimates; then one job runs and one waits ahead.
    const timed = await slowJob(200);
    await env.client.subscribe(timed.id).until((e) => e.status === 'SUCCEEDED', 30_000);
    const running = await slowJob(60_000);
    const ahead = await slowJob(60_000);
    try {
      const page = await browser.page();
      await open(page);
      await pickSlow(page, 1000);
      await page.getByRole('button', { name: 'Start' }).click();
      const status = page.getByRole('region', { name: '3. Result' }).getByRole('status');
      await expect
        .poll(() => status.textContent(), { timeout: 15_000 })
        .toMatch(/^Waiting for a converter… 2nd in line: starts /);
      expect(await status.textContent()).toMatch(/, done (in about|in a few|any moment)/);
      await screenshot(page, 'editor-queued');
      await expectAccessible(page, 'the editor with a queued job');

      // The job ahead goes: the page moves up without a reload.
      await ahead.cancel();
      await expect
        .poll(() => status.textContent(), { timeout: 10_000 })
        .toMatch(/^Waiting for a converter… Next in line/);

      const id = await pageJobId(page);
      await page.getByRole('button', { name: 'Cancel conversion' }).click();
      await expect
        .poll(() => status.textContent(), { timeout: 10_000 })
        .toBe('The conversion was cancelled.');
      // Focus moved from the Cancel button, now gone, to what replaced it.
      await expect.poll(() => hasFocus(page.getByRole('button', { name: 'Convert again' }))).toBe(true);
      expect((await env.client.poll(id)).job?.status).toBe('CANCELLED');
      await screenshot(page, 'editor-cancelled');
      await expectAccessible(page, 'the editor with a cancelled job');
      expect(pageErrors(page)).toEqual([]);
    } finally {
      await Promise.all([running.cancel(), ahead.cancel()]);
    }
  });

  it('cancels a running job from the page, and an anonymous one when the page is left, not on a visit to the gallery', async () => {
    const page = await browser.page();
    await open(page);
    await pickSlow(page, 60_000);
    await page.getByRole('button', { name: 'Start' }).click();
    const status = page.getByRole('region', { name: '3. Result' }).getByRole('status');
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toMatch(/^Converting…/);
    await page.getByRole('button', { name: 'Cancel conversion' }).click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('The conversion was cancelled.');

    await page.getByRole('button', { name: 'Convert again' }).click();
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toMatch(/^Converting…/);
    const id = await pageJobId(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Gallery' }).click();
    await page.getByRole('heading', { name: 'Your gallery' }).waitFor();
    await nav.getByRole('link', { name: 'Editor' }).click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/^Converting…/);
    expect((await env.client.poll(id)).job?.status).toBe('RUNNING');

    // Another site: pagehide sends the cancel, which outlives the page (keepalive).
    await page.goto('about:blank');
    await expect
      .poll(async () => (await env.client.poll(id)).job?.status, { timeout: 10_000 })
      .toBe('CANCELLED');
  });

  it('runs the steps built in the page as one job, and undoes taking its result on', async () => {
    const page = await browser.page();
    const uploads: string[] = [];
    page.on('request', (request) => {
      if (isUpload(request)) uploads.push(request.url());
    });
    await open(page);
    await page.locator('input[type=file]').setInputFiles(garden());
    await page.getByRole('img', { name: 'Your photo: Garden.jpg' }).waitFor();
    const converter = page.getByLabel('Converter', { exact: true });
    await converter.selectOption('grayscale');
    for (const next of ['flip', 'blur', 'sharpen']) {
      await page.getByRole('button', { name: 'Add a step' }).click();
      await converter.selectOption(next);
    }
    const steps = page.getByRole('list', { name: 'Steps' }).getByRole('listitem');
    const titles = () => steps.locator('strong').allTextContents();
    expect(await titles()).toEqual([
      'Step 1: Grayscale',
      'Step 2: Flip horizontally',
      'Step 3: Blur',
      'Step 4: Sharpen',
    ]);
    await page.getByRole('button', { name: 'Remove step 2 (Flip horizontally)' }).click();
    // By keyboard: focus the button and press Enter.
    await page.getByRole('button', { name: 'Move up step 3 (Sharpen)' }).focus();
    await page.keyboard.press('Enter');
    expect(await titles()).toEqual(['Step 1: Grayscale', 'Step 2: Sharpen', 'Step 3: Blur']);
    await expect
      .poll(() => hasFocus(page.getByRole('button', { name: 'Move up step 2 (Sharpen)' })))
      .toBe(true);
    await screenshot(page, 'editor-steps');
    await expectAccessible(page, 'the editor with three steps');

    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor({ timeout: 30_000 });
    expect(uploads).toHaveLength(1);
    const href = (await page.getByRole('link', { name: 'Download' }).getAttribute('href')) ?? '';
    const id = /\/jobs\/([\w-]+)\/result$/.exec(href)?.[1] ?? '';
    const { data } = await env.client.graphql<{ job: { job: { steps: string[] } } }>(
      'query($id: ID!) { job(id: $id) { ... on JobDone { job { steps } } } }',
      { id },
    );
    expect(data?.job.job.steps).toEqual(['grayscale', 'sharpen', 'blur']);
    expect(await page.getByRole('img', { name: 'Result' }).count()).toBe(1);

    await page.getByRole('button', { name: 'Apply another converter to this result' }).click();
    await page.getByRole('img', { name: /^Your photo: Garden-blur\./ }).waitFor();
    await page.getByRole('button', { name: 'Undo: back to the original photo' }).click();
    await page.getByRole('img', { name: 'Your photo: Garden.jpg' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor();
    expect(await page.getByRole('link', { name: 'Download' }).getAttribute('href')).toBe(href);
    expect(uploads, 'Undo asks no server').toHaveLength(1);
    expect(pageErrors(page)).toEqual([]);
  });

  it('shows each converter’s limits before the start, and flags a photo too large for it before any upload', async () => {
    const page = await browser.page();
    await open(page);
    const converter = page.getByLabel('Converter', { exact: true });
    await converter.selectOption('grayscale');
    const limits = page.getByRole('list', { name: 'Limits' });
    expect(await limits.getByRole('listitem').allTextContents()).toEqual([
      'Takes images up to 50 MP; larger ones are refused.',
      'Makes results of up to 25 MP.',
    ]);
    await converter.selectOption('progress');
    expect(await limits.count()).toBe(0);

    // 7200×7000 is 50.4 MP, over the 50 MP the sharp converters take; one flat colour, a small file.
    const large = await sharp({ create: { width: 7200, height: 7000, channels: 3, background: '#3a7' } })
      .png()
      .toBuffer();
    const uploads: string[] = [];
    page.on('request', (request) => {
      if (isUpload(request)) uploads.push(request.url());
    });
    await converter.selectOption('grayscale');
    await page
      .locator('input[type=file]')
      .setInputFiles({ name: 'large.png', mimeType: 'image/png', buffer: large });
    const flag = page.getByRole('alert');
    await expect
      .poll(() => flag.textContent(), { timeout: 15_000 })
      .toMatch(
        /^This photo is 7200×7000 \(50\.4 MP\); Grayscale takes at most 50 MP\. Scale it down to about \d+×\d+ first/,
      );
    const start = page.getByRole('button', { name: 'Start' });
    expect(await start.isDisabled()).toBe(true);
    await screenshot(page, 'editor-photo-too-large');
    await expectAccessible(page, 'the editor with a photo too large for the converter');
    await converter.selectOption('progress');
    expect(await flag.count()).toBe(0);
    expect(await start.isDisabled()).toBe(false);
    expect(uploads).toEqual([]);
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
