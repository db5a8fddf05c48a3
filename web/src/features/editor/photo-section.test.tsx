import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { expectNoSeriousAxeViolations } from '../../test/axe.ts';
import { convertImageAnswers, png, renderApp, useFreshPage } from '../../test/render-app.tsx';

const RESULT = 'http://gw/jobs/job-1/result';

describe('taking a result on as the photo', () => {
  useFreshPage();

  it('can be undone: the original and its result come back, without asking the server', async () => {
    const { user, jobs, calls, container } = renderApp({ handlers: { ConvertImage: convertImageAnswers() } });
    await screen.findByRole('combobox', { name: 'Converter' });
    await user.upload(screen.getByLabelText(/Choose a photo/), png());
    await user.click(screen.getByRole('button', { name: 'Start' }));
    await screen.findByRole('heading', { name: '3. Result' });
    jobs.push({ status: 'SUCCEEDED', progress: 1, sequence: 1, resultUrl: RESULT });

    const image = new Response(new Uint8Array([0x89, 0x50]), { headers: { 'content-type': 'image/png' } });
    const fetch = vi.fn(async () => image);
    vi.stubGlobal('fetch', fetch);
    await user.click(screen.getByRole('button', { name: 'Apply another converter to this result' }));
    expect(await screen.findByRole('img', { name: 'Your photo: photo-contrast.png' })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: '3. Result' })).toBeNull();
    // Focus goes where the new photo is, rather than to the page's start with the button gone.
    const heading = screen.getByRole('heading', { name: '1. Your photo' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    await expectNoSeriousAxeViolations(container);

    const requests = calls.length + fetch.mock.calls.length;
    await user.click(screen.getByRole('button', { name: 'Undo: back to the original photo' }));
    expect(screen.getByRole('img', { name: 'Your photo: photo.png' })).toBeTruthy();
    // Its run is back, followed again by id: the first event is the job's state now.
    expect(jobs.subscribed).toEqual(['job-1', 'job-1']);
    jobs.push({ status: 'SUCCEEDED', progress: 1, sequence: 1, resultUrl: RESULT });
    expect(screen.getByRole('link', { name: 'Download' }).getAttribute('href')).toBe(RESULT);
    expect(screen.queryByRole('button', { name: /^Undo/ })).toBeNull();
    expect(calls.length + fetch.mock.calls.length).toBe(requests);
    await waitFor(() => expect(document.activeElement).toBe(heading));
  });
});
