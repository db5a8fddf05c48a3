import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { act, screen, waitFor, within } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { expectNoSeriousAxeViolations } from '../../test/axe.ts';
import { mediaQueryList } from '../../test/media.ts';
import {
  converters,
  convertImageAnswers,
  grayscale,
  memoryStorage,
  png,
  renderApp,
  useFreshPage,
} from '../../test/render-app.tsx';
import type { EditorStorage } from './state/stored-editor.ts';

const RESULT = 'http://gw/jobs/job-1/result';
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const notFound = () =>
  new CombinedGraphQLErrors({ errors: [{ message: 'gone', extensions: { code: 'JOB_NOT_FOUND' } }] });

function renderEditor(storage?: EditorStorage, converterList: unknown[] = converters) {
  return renderApp({ handlers: { ConvertImage: convertImageAnswers() }, converterList, storage });
}

/** Picks the photo, optionally types an amount, and presses Start. */
async function startConversion(user: UserEvent, { amount }: { amount?: string } = {}) {
  await screen.findByRole('combobox', { name: 'Converter' });
  await user.upload(screen.getByLabelText(/Choose a photo/), png());
  if (amount !== undefined) {
    await user.clear(screen.getByLabelText('Amount'));
    await user.type(screen.getByLabelText('Amount'), amount);
  }
  await user.click(screen.getByRole('button', { name: 'Start' }));
  return screen.findByRole('heading', { name: '3. Result' });
}

const resultRegion = () => screen.getByRole('region', { name: '3. Result' });
const answerWith = (body: BodyInit, status: number, type: string) =>
  vi.fn(async () => new Response(body, { status, headers: { 'content-type': type } }));
const expiredBody = JSON.stringify({ error: { code: 'JOB_NOT_FOUND', message: 'job job-1 is unknown' } });

describe('the editor after Start', () => {
  useFreshPage();

  it('brings the result into view and moves focus to its heading, with one live region', async () => {
    const scroll = vi.spyOn(Element.prototype, 'scrollIntoView');
    const { user, jobs, container } = renderEditor();
    const heading = await startConversion(user);
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(heading.getAttribute('tabindex')).toBe('-1');
    expect(scroll).toHaveBeenCalledWith({ behavior: 'smooth', block: 'start' });
    expect(scroll.mock.contexts.at(-1)).toBe(resultRegion());

    // The status, then the failure and why, all from the one polite region: nothing said twice.
    expect(within(resultRegion()).getAllByRole('status')).toHaveLength(1);
    jobs.push({ status: 'FAILED', sequence: 1, error: { code: 'CONVERTER_FAILED', message: 'boom' } });
    expect(within(resultRegion()).getAllByRole('status')).toHaveLength(1);
    expect(screen.queryByRole('alert')).toBeNull();
    await expectNoSeriousAxeViolations(container);
  });

  it('scrolls at once for people who asked for less motion', async () => {
    const scroll = vi.spyOn(Element.prototype, 'scrollIntoView');
    vi.spyOn(window, 'matchMedia').mockImplementation((query) =>
      mediaQueryList(query, query === '(prefers-reduced-motion: reduce)'),
    );
    const { user } = renderEditor();
    await startConversion(user);
    await waitFor(() => expect(scroll).toHaveBeenCalledWith({ behavior: 'auto', block: 'start' }));
  });

  it('shows until when the result can be downloaded, then that it expired once the time passed', async () => {
    const { user, jobs, editor, container } = renderEditor();
    await startConversion(user);
    vi.useFakeTimers({ now: new Date(2030, 0, 1, 13, 32), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const expiresAt = new Date(2030, 0, 1, 14, 32).toISOString();
      jobs.push({ status: 'SUCCEEDED', progress: 1, sequence: 1, resultUrl: RESULT, expiresAt });
      const time = new Date(expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      const notice = screen.getByText(/^Download available until/);
      expect(notice.textContent).toBe(`Download available until ${time}.`);
      // Read out with the link it is about.
      expect(screen.getByRole('link', { name: 'Download' }).getAttribute('aria-describedby')).toBe(notice.id);

      act(() => vi.advanceTimersByTime(3_600_000 - 1));
      expect(screen.getByRole('link', { name: 'Download' })).toBeTruthy();
      act(() => vi.advanceTimersByTime(1));
      expect(within(resultRegion()).getByRole('status').textContent).toBe(
        'This result has expired: the server no longer keeps it.',
      );
      expect(screen.queryByRole('link', { name: 'Download' })).toBeNull();
      expect(screen.queryByRole('img', { name: 'Original' })).toBeNull();
      expect(screen.getByText(/Results are kept for a limited time/)).toBeTruthy();
      expect(screen.getByRole('button', { name: 'Convert again' })).toHaveProperty('disabled', false);
      expect(editor.state.run?.expired).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    await expectNoSeriousAxeViolations(container);
  });

  it('Convert again re-runs the same converter with the run’s params on the same photo', async () => {
    const { user, jobs, calls } = renderEditor();
    await startConversion(user, { amount: '2' });
    jobs.push({ status: 'SUCCEEDED', progress: 1, sequence: 1, resultUrl: RESULT, expiresAt: inAnHour() });
    // Settings changed after the run: "again" means the run's own.
    await user.clear(screen.getByLabelText('Amount'));
    await user.type(screen.getByLabelText('Amount'), '3');
    vi.stubGlobal('fetch', answerWith(expiredBody, 404, 'application/json'));
    await user.click(screen.getByRole('button', { name: 'Apply another converter to this result' }));
    await user.click(await screen.findByRole('button', { name: 'Convert again' }));

    const uploads = calls.filter((call) => call.name === 'ConvertImage');
    expect(uploads).toHaveLength(2);
    expect(uploads[1]!.variables).toEqual(uploads[0]!.variables);
    expect(uploads[1]!.variables).toMatchObject({ converter: 'contrast', params: { amount: 2 } });
    await waitFor(() => expect(jobs.subscribed).toEqual(['job-1', 'job-2']));
    expect(within(resultRegion()).getByRole('status').textContent).toBe('Waiting for a converter…');
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('heading', { name: '3. Result' })),
    );
  });

  it('checks the answer before saving the download, and shows an expired result as expired', async () => {
    const saves: Array<{ name: string; href: string }> = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saves.push({ name: this.download, href: this.href });
    });
    const { user, jobs } = renderEditor();
    await startConversion(user);
    jobs.push({ status: 'SUCCEEDED', progress: 1, sequence: 1, resultUrl: RESULT, expiresAt: inAnHour() });
    const download = screen.getByRole('link', { name: 'Download' });

    // An error body (here a failed job's 502) is never saved as the image.
    const failing = JSON.stringify({ error: { code: 'CONVERTER_FAILED', message: 'boom' } });
    vi.stubGlobal('fetch', answerWith(failing, 502, 'application/json'));
    await user.click(download);
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Could not download the result: The converter failed on this image. Try again or pick another converter.',
    );
    expect(saves).toEqual([]);

    const image = answerWith(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 200, 'image/png');
    vi.stubGlobal('fetch', image);
    await user.click(download);
    const saved = () => vi.mocked(URL.createObjectURL).mock.results.at(-1)?.value;
    await waitFor(() => expect(saves).toEqual([{ name: 'photo-contrast.png', href: saved() }]));
    expect(image).toHaveBeenCalledWith(RESULT, { cache: 'no-store' });
    expect(screen.queryByRole('alert')).toBeNull();

    vi.stubGlobal('fetch', answerWith(expiredBody, 404, 'application/json'));
    await user.click(download);
    await waitFor(() =>
      expect(within(resultRegion()).getByRole('status').textContent).toMatch(/This result has expired/),
    );
    expect(saves).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Convert again' })).toBeTruthy();
  });

  it('clears the last result or failure when the converter or the photo changes', async () => {
    const { user, jobs } = renderEditor(undefined, [...converters, grayscale]);
    await startConversion(user);
    jobs.push({ status: 'FAILED', sequence: 1, error: { code: 'CONVERTER_FAILED', message: 'boom' } });
    expect(screen.getByText(/The conversion failed/)).toBeTruthy();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Converter' }), 'grayscale');
    expect(screen.queryByRole('heading', { name: '3. Result' })).toBeNull();
    expect(screen.queryByText(/The conversion failed/)).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Start' }));
    await screen.findByRole('heading', { name: '3. Result' });
    jobs.push({ id: 'job-2', status: 'SUCCEEDED', sequence: 1, resultUrl: RESULT, expiresAt: inAnHour() });
    expect(screen.getByRole('link', { name: 'Download' })).toBeTruthy();
    await user.upload(screen.getByLabelText(/Choose another photo/), png(500, 'image/png', 'other.png'));
    expect(screen.queryByRole('heading', { name: '3. Result' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Download' })).toBeNull();
  });
});

describe('the editor’s state', () => {
  useFreshPage();

  it('is all there after a visit to the gallery: photo, converter, settings and result', async () => {
    const { user, jobs } = renderEditor(undefined, [...converters, grayscale]);
    await startConversion(user, { amount: '2.5' });
    jobs.push({ status: 'SUCCEEDED', progress: 1, sequence: 1, resultUrl: RESULT, expiresAt: inAnHour() });

    const nav = screen.getByRole('navigation', { name: 'Main' });
    await user.click(within(nav).getByRole('link', { name: 'Gallery' }));
    await screen.findByRole('heading', { name: 'Your gallery' });
    expect(screen.queryByRole('img', { name: /Your photo/ })).toBeNull();
    await user.click(within(nav).getByRole('link', { name: 'Editor' }));

    expect(screen.getByRole('img', { name: 'Your photo: photo.png' })).toBeTruthy();
    expect(await screen.findByRole('combobox', { name: 'Converter' })).toHaveProperty('value', 'contrast');
    expect(screen.getByLabelText('Amount')).toHaveProperty('value', '2.5');
    // Re-attached to the same job, whose first event is its state now.
    expect(jobs.subscribed).toEqual(['job-1', 'job-1']);
    jobs.push({ status: 'SUCCEEDED', progress: 1, sequence: 1, resultUrl: RESULT, expiresAt: inAnHour() });
    expect(screen.getByRole('link', { name: 'Download' }).getAttribute('href')).toBe(RESULT);
    expect(screen.getByText(/^Download available until/)).toBeTruthy();
    // Coming back is no new run: focus stays where the person put it.
    expect(document.activeElement).not.toBe(screen.getByRole('heading', { name: '3. Result' }));
  });

  /** A job that succeeded, then the page reloaded: the second page on the first's storage. */
  async function reloadAfterResult(settings?: { amount?: string }) {
    const storage = memoryStorage();
    const first = renderEditor(storage);
    await startConversion(first.user, settings);
    first.jobs.push({
      status: 'SUCCEEDED',
      progress: 1,
      sequence: 1,
      resultUrl: RESULT,
      expiresAt: inAnHour(),
    });
    await first.editor.photoSaved;
    first.unmount();
    return renderEditor(storage);
  }

  it('comes back after a reload and re-attaches to the job by id while it lives', async () => {
    const reloaded = await reloadAfterResult({ amount: '2.5' });
    expect(screen.getByRole('img', { name: 'Your photo: photo.png' })).toBeTruthy();
    expect(await screen.findByRole('combobox', { name: 'Converter' })).toHaveProperty('value', 'contrast');
    expect(screen.getByLabelText('Amount')).toHaveProperty('value', '2.5');
    expect(reloaded.jobs.subscribed).toEqual(['job-1']);
    reloaded.jobs.push({
      status: 'SUCCEEDED',
      progress: 1,
      sequence: 1,
      resultUrl: RESULT,
      expiresAt: inAnHour(),
    });
    expect(screen.getByRole('link', { name: 'Download' }).getAttribute('href')).toBe(RESULT);
    expect(screen.getByRole('slider', { name: /Before and after/ })).toBeTruthy();
    await expectNoSeriousAxeViolations(reloaded.container);
  });

  it('shows the expired state after a reload when the job is gone, and converts again from there', async () => {
    const reloaded = await reloadAfterResult();
    await screen.findByRole('combobox', { name: 'Converter' });
    reloaded.jobs.fail(notFound());
    expect(within(resultRegion()).getByRole('status').textContent).toMatch(/This result has expired/);
    await reloaded.user.click(screen.getByRole('button', { name: 'Convert again' }));
    await waitFor(() => expect(reloaded.jobs.subscribed).toEqual(['job-1', 'job-1']));
    expect(reloaded.calls.filter((call) => call.name === 'ConvertImage')).toHaveLength(1);
  });

  it('re-attaches to a signed-in person’s job only once the sign-in is back', async () => {
    const storage = memoryStorage();
    const first = renderEditor(storage);
    await startConversion(first.user);
    first.editor.startRun({
      jobId: 'job-9',
      converterId: 'contrast',
      params: { amount: 1.5 },
      signedIn: true,
    });
    first.unmount();

    let answer: (response: Response) => void = () => undefined;
    const restored = new Promise<Response>((resolve) => {
      answer = resolve;
    });
    const reloaded = renderApp({ storage, authFetch: () => restored });
    await screen.findByRole('combobox', { name: 'Converter' });
    // Subscribed before that, the job would be hidden from the anonymous socket, as if gone.
    expect(reloaded.jobs.subscribed).toEqual([]);
    await act(async () => answer(new Response('{}', { status: 401 })));
    await waitFor(() => expect(reloaded.jobs.subscribed).toEqual(['job-9']));
  });

  it('shows the expired state at once after a reload past the result’s time', async () => {
    const storage = memoryStorage();
    const first = renderEditor(storage);
    await startConversion(first.user);
    const past = new Date(Date.now() - 1000).toISOString();
    first.jobs.push({ status: 'SUCCEEDED', progress: 1, sequence: 1, resultUrl: RESULT, expiresAt: past });
    await first.editor.photoSaved;
    first.unmount();

    renderEditor(storage);
    expect(within(resultRegion()).getByRole('status').textContent).toMatch(/This result has expired/);
    expect(screen.queryByRole('link', { name: 'Download' })).toBeNull();
  });
});
