import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { screen, waitFor, within } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { expectNoSeriousAxeViolations } from '../../../test/axe.ts';
import {
  convertImageAnswers,
  memoryStorage,
  png,
  renderApp,
  useFreshPage,
} from '../../../test/render-app.tsx';
import type { EditorStorage } from '../state/stored-editor.ts';

type Handler = (variables: Record<string, unknown>) => unknown;
const cancelled = (variables: Record<string, unknown>) => ({
  data: { cancelJob: { __typename: 'Job', id: variables.id, status: 'CANCELLED', sequence: 9 } },
});
const refusal = (code: string) => () => {
  throw new CombinedGraphQLErrors({ errors: [{ message: 'no', extensions: { code } }] });
};

function renderEditor(cancelJob: Handler = cancelled, storage?: EditorStorage) {
  return renderApp({ handlers: { ConvertImage: convertImageAnswers(), CancelJob: cancelJob }, storage });
}

async function startConversion(user: UserEvent) {
  await screen.findByRole('combobox', { name: 'Converter' });
  await user.upload(screen.getByLabelText(/Choose a photo/), png());
  await user.click(screen.getByRole('button', { name: 'Start' }));
  await screen.findByRole('heading', { name: '3. Result' });
}

const status = () => within(screen.getByRole('region', { name: '3. Result' })).getByRole('status');

describe('a job that waits or runs', () => {
  useFreshPage();

  it('shows its place in line, live, and can be cancelled; then Convert again, with focus on it', async () => {
    const { user, jobs, calls, container } = renderEditor();
    await startConversion(user);
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    jobs.push({ status: 'QUEUED', sequence: 1, queue: { position: 3, estimatedStartAt: at(41_000) } });
    expect(status().textContent).toBe('Waiting for a converter… 3rd in line: starts in about 40 s.');
    jobs.push({ status: 'QUEUED', sequence: 2, queue: { position: 1, estimatedStartAt: null } });
    expect(status().textContent).toBe('Waiting for a converter… Next in line.');
    await expectNoSeriousAxeViolations(container);

    const cancel = screen.getByRole('button', { name: 'Cancel conversion' });
    await user.click(cancel);
    const sent = calls.filter((call) => call.name === 'CancelJob');
    expect(sent).toEqual([{ name: 'CancelJob', variables: { id: 'job-1', cancelToken: 'token-1' } }]);
    // Until the job's own state says so; pressing again sends nothing more.
    expect(cancel.textContent).toBe('Cancelling…');
    expect(cancel.getAttribute('aria-disabled')).toBe('true');
    await user.click(cancel);
    expect(calls.filter((call) => call.name === 'CancelJob')).toHaveLength(1);

    jobs.push({ status: 'CANCELLED', sequence: 3, error: { code: 'JOB_CANCELLED', message: 'cancelled' } });
    expect(status().textContent).toBe('The conversion was cancelled.');
    expect(screen.queryByRole('button', { name: /Cancel/ })).toBeNull();
    // No bar: an empty one would look busy.
    expect(screen.queryByRole('progressbar')).toBeNull();
    const again = screen.getByRole('button', { name: 'Convert again' });
    await waitFor(() => expect(document.activeElement).toBe(again));
    await expectNoSeriousAxeViolations(container);

    await user.click(again);
    const uploads = calls.filter((call) => call.name === 'ConvertImage');
    expect(uploads).toHaveLength(2);
    expect(uploads[1]!.variables).toEqual(uploads[0]!.variables);
    await waitFor(() => expect(jobs.subscribed).toEqual(['job-1', 'job-2']));
  });

  it('says why a cancel failed, and says nothing when the job had ended first', async () => {
    let answer: Handler = refusal('FORBIDDEN');
    const { user, jobs } = renderEditor((variables) => answer(variables));
    await startConversion(user);
    jobs.push({ status: 'RUNNING', progress: 0.2, sequence: 1 });
    await user.click(screen.getByRole('button', { name: 'Cancel conversion' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Could not cancel: You may not do this.');
    expect(
      screen.getByRole('button', { name: 'Cancel conversion' }).getAttribute('aria-disabled'),
    ).toBeNull();

    answer = refusal('JOB_CONFLICT');
    await user.click(screen.getByRole('button', { name: 'Cancel conversion' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    jobs.push({ status: 'SUCCEEDED', progress: 1, sequence: 2, resultUrl: 'http://gw/jobs/job-1/result' });
    expect(status().textContent).toBe('Done.');
  });

  it('keeps the cancel token across a reload', async () => {
    const storage = memoryStorage();
    const first = renderEditor(cancelled, storage);
    await startConversion(first.user);
    first.unmount();
    const reloaded = renderEditor(cancelled, storage);
    await screen.findByRole('combobox', { name: 'Converter' });
    reloaded.jobs.push({ status: 'RUNNING', sequence: 1 });
    await reloaded.user.click(screen.getByRole('button', { name: 'Cancel conversion' }));
    expect(reloaded.calls.find((call) => call.name === 'CancelJob')?.variables).toEqual({
      id: 'job-1',
      cancelToken: 'token-1',
    });
  });

  it('shows what the converter said of the result, read with the Download link', async () => {
    const { user, jobs } = renderEditor();
    await startConversion(user);
    jobs.push({
      status: 'SUCCEEDED',
      progress: 1,
      sequence: 1,
      resultUrl: 'http://gw/jobs/job-1/result',
      notice: 'The image was scaled down to 0.5 MP first.',
    });
    const notice = screen.getByText('The image was scaled down to 0.5 MP first.').closest('p')!;
    expect(notice.textContent).toBe('Note from the converter: The image was scaled down to 0.5 MP first.');
    const describedBy = screen.getByRole('link', { name: 'Download' }).getAttribute('aria-describedby') ?? '';
    expect(describedBy.split(' ')).toContain(notice.id);
  });
});
