import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { ApolloProvider } from '@apollo/client/react';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiProvider } from './api/context.tsx';
import { SessionManager } from './api/session.ts';
import { App } from './app.tsx';
import type { JobSnapshot } from './features/editor/job/job-machine.ts';
import type { JobTransport } from './features/editor/job/job-transport.ts';
import { expectNoSeriousAxeViolations } from './test/axe.ts';

const converters = [
  {
    __typename: 'Converter',
    id: 'contrast',
    title: 'Contrast',
    description: 'Stretches values around mid-grey.',
    healthy: true,
    params: {
      type: 'object',
      properties: { amount: { type: 'number', title: 'Amount', minimum: 0, maximum: 4, default: 1.5 } },
    },
  },
  {
    __typename: 'Converter',
    id: 'deepdream',
    title: 'DeepDream',
    description: 'Dreams.',
    healthy: false,
    params: { type: 'object', properties: {} },
  },
];

type Handler = (variables: Record<string, unknown>) => unknown;

/** An Apollo Client whose "server" answers each operation by name. */
function fakeApollo(handlers: Record<string, Handler>) {
  const calls: Array<{ name: string; variables: Record<string, unknown> }> = [];
  const link = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        const name = operation.operationName ?? '';
        calls.push({ name, variables: operation.variables });
        const handler = handlers[name];
        Promise.resolve()
          .then(() => {
            if (!handler) throw new Error(`no handler for ${name}`);
            return handler(operation.variables);
          })
          .then(
            (result) => {
              observer.next(result as ApolloLink.Result);
              observer.complete();
            },
            (error: unknown) => observer.error(error),
          );
      }),
  );
  return { apollo: new ApolloClient({ link, cache: new InMemoryCache() }), calls };
}

function fakeJobs() {
  let observer: Parameters<JobTransport['subscribe']>[1] | null = null;
  const transport: JobTransport = {
    subscribe(_id, next) {
      observer = next;
      return () => {
        observer = null;
      };
    },
    poll: async () => {
      throw new TypeError('offline');
    },
    onSocketTrouble: () => () => {},
  };
  return {
    transport,
    push: (job: Partial<JobSnapshot>) =>
      act(() => observer?.next({ id: 'job-1', status: 'RUNNING', sequence: 0, ...job })),
  };
}

const png = (bytes = 1000, type = 'image/png', name = 'photo.png') =>
  new File([new Uint8Array(bytes)], name, { type });

function renderApp(handlers: Record<string, Handler> = {}) {
  const { apollo, calls } = fakeApollo({ Converters: () => ({ data: { converters } }), ...handlers });
  const jobs = fakeJobs();
  const fetch = vi.fn(
    async () =>
      new Response(JSON.stringify({ error: { code: 'INVALID_TOKEN', message: 'no' } }), { status: 401 }),
  );
  const session = new SessionManager({ fetch, channel: undefined, withLock: (task) => task() });
  void session.restore();
  const view = render(
    <ApiProvider api={{ session, jobs: jobs.transport }}>
      <ApolloProvider client={apollo}>
        <App />
      </ApolloProvider>
    </ApiProvider>,
  );
  return { ...view, calls, jobs, session, user: userEvent.setup() };
}

describe('the editor page', () => {
  beforeEach(() => {
    window.history.replaceState(null, '', '/');
    URL.createObjectURL = vi.fn(() => 'blob:preview');
    URL.revokeObjectURL = vi.fn();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('lists the converters, healthy ones selectable, with the chosen one’s description', async () => {
    renderApp();
    const picker = await screen.findByRole('combobox', { name: 'Converter' });
    const options = screen.getAllByRole('option') as HTMLOptionElement[];
    expect(options.map((o) => [o.textContent, o.disabled])).toEqual([
      ['Contrast', false],
      ['DeepDream (unavailable)', true],
    ]);
    expect(picker).toHaveProperty('value', 'contrast');
    expect(screen.getByText('Stretches values around mid-grey.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Start' })).toHaveProperty('disabled', true);
  });

  it('refuses a file over 5 MB and a file that is not an image, in the page', async () => {
    const { user } = renderApp();
    const input = screen.getByLabelText(/Choose a photo/);
    await user.upload(input, png(6 * 1024 * 1024));
    expect((await screen.findByRole('alert')).textContent).toMatch(/6\.0 MB; the limit is 5 MB/);
    // applyAccept off: a person can still pick any file in most pickers.
    await userEvent.setup({ applyAccept: false }).upload(input, png(10, 'application/pdf', 'doc.pdf'));
    expect(screen.getByRole('alert').textContent).toMatch(/"doc\.pdf" is not an image/);
    expect(screen.queryByRole('img', { name: /Your photo/ })).toBeNull();
  });

  it('uploads, follows the job live and shows the result with a comparison and a download', async () => {
    const { user, calls, jobs, container } = renderApp({
      ConvertImage: () => ({
        data: { convertImage: { __typename: 'Job', id: 'job-1', status: 'QUEUED', sequence: 0 } },
      }),
    });
    await screen.findByRole('combobox', { name: 'Converter' });
    const file = png();
    await user.upload(screen.getByLabelText(/Choose a photo/), file);
    expect(screen.getByRole('img', { name: 'Your photo: photo.png' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Start' }));
    await screen.findByRole('heading', { name: '3. Result' });
    const upload = calls.find((c) => c.name === 'ConvertImage')!;
    expect(upload.variables).toEqual({ file, converter: 'contrast', params: { amount: 1.5 } });

    jobs.push({ status: 'RUNNING', progress: 0.42, sequence: 1 });
    expect(screen.getByRole('status').textContent).toMatch(/Converting… 42%/);
    expect(screen.getByRole('progressbar', { name: 'Conversion progress' })).toHaveProperty('value', 42);

    jobs.push({ status: 'SUCCEEDED', progress: 1, sequence: 2, resultUrl: 'http://gw/jobs/job-1/result' });
    expect(screen.getByRole('img', { name: 'Result' }).getAttribute('src')).toBe(
      'http://gw/jobs/job-1/result',
    );
    expect(screen.getByRole('link', { name: 'Download' }).getAttribute('href')).toBe(
      'http://gw/jobs/job-1/result',
    );
    const slider = screen.getByRole('slider', { name: /Before and after/ });
    expect(slider).toHaveProperty('value', '50');
    await expectNoSeriousAxeViolations(container);
  });

  it('shows a failed job’s error as an alert', async () => {
    const { user, jobs } = renderApp({
      ConvertImage: () => ({
        data: { convertImage: { __typename: 'Job', id: 'job-1', status: 'QUEUED', sequence: 0 } },
      }),
    });
    await screen.findByRole('combobox', { name: 'Converter' });
    await user.upload(screen.getByLabelText(/Choose a photo/), png());
    await user.click(screen.getByRole('button', { name: 'Start' }));
    await screen.findByRole('heading', { name: '3. Result' });
    jobs.push({ status: 'FAILED', sequence: 1, error: { code: 'CONVERTER_FAILED', message: 'boom' } });
    expect(screen.getByRole('alert').textContent).toMatch(/The converter failed on this image/);
  });

  it('maps the server’s refusal of the upload to a message', async () => {
    const { user } = renderApp({
      ConvertImage: () => {
        throw new CombinedGraphQLErrors({
          errors: [{ message: 'not an image', extensions: { code: 'UNSUPPORTED_IMAGE' } }],
        });
      },
    });
    await screen.findByRole('combobox', { name: 'Converter' });
    await user.upload(screen.getByLabelText(/Choose a photo/), png());
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/not an image we can read/);
  });

  it('puts INVALID_PARAMS beside the settings with the server’s words', async () => {
    const { user } = renderApp({
      ConvertImage: () => {
        throw new CombinedGraphQLErrors({
          errors: [{ message: '/amount must be <= 4', extensions: { code: 'INVALID_PARAMS' } }],
        });
      },
    });
    await screen.findByRole('combobox', { name: 'Converter' });
    await user.upload(screen.getByLabelText(/Choose a photo/), png());
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Some settings are not accepted: /amount must be <= 4.',
    );
  });

  it('has no serious accessibility violations before a photo is chosen', async () => {
    const { container } = renderApp();
    await screen.findByRole('combobox', { name: 'Converter' });
    await expectNoSeriousAxeViolations(container);
  });
});

describe('navigation and the account page', () => {
  beforeEach(() => {
    window.history.replaceState(null, '', '/');
  });

  it('opens the sign-in form, shows a wrong password as an alert, and has no serious violations', async () => {
    const { user, container, session } = renderApp();
    await user.click(screen.getByRole('link', { name: 'Sign in' }));
    expect(window.location.pathname).toBe('/account');
    await screen.findByRole('heading', { name: 'Sign in' });
    vi.spyOn(session, 'signIn').mockRejectedValue(
      Object.assign(new Error('wrong'), { code: 'INVALID_CREDENTIALS', message: 'wrong' }),
    );
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'not it at all');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong email or password.');
    await expectNoSeriousAxeViolations(container);
  });

  it('asks a signed-out person to sign in on the gallery page', async () => {
    window.history.replaceState(null, '', '/gallery');
    const { container } = renderApp();
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Your gallery' })).toBeTruthy());
    expect(within(screen.getByRole('main')).getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe(
      '/account',
    );
    await expectNoSeriousAxeViolations(container);
  });
});
