import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { expectNoSeriousAxeViolations } from './test/axe.ts';
import { convertImageAnswers, png, renderApp, useFreshPage } from './test/render-app.tsx';

describe('the editor page', () => {
  useFreshPage();

  it('lists the converters, healthy ones selectable, with the chosen one’s description', async () => {
    renderApp();
    const picker = await screen.findByRole('combobox', { name: 'Converter' });
    const options = screen.getAllByRole('option') as HTMLOptionElement[];
    expect(options.map((o) => [o.textContent, o.disabled])).toEqual([
      ['Contrast', false],
      ['DeepDream (heavy, unavailable)', true],
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
    const { user, calls, jobs, container } = renderApp({ handlers: { ConvertImage: convertImageAnswers() } });
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

  it('says that the job failed and why in its status, once (no second, assertive alert)', async () => {
    const { user, jobs } = renderApp({ handlers: { ConvertImage: convertImageAnswers() } });
    await screen.findByRole('combobox', { name: 'Converter' });
    await user.upload(screen.getByLabelText(/Choose a photo/), png());
    await user.click(screen.getByRole('button', { name: 'Start' }));
    await screen.findByRole('heading', { name: '3. Result' });
    jobs.push({ status: 'FAILED', sequence: 1, error: { code: 'CONVERTER_FAILED', message: 'boom' } });
    expect(screen.getByRole('status').textContent).toBe(
      'The conversion failed. The converter failed on this image. Try again or pick another converter.',
    );
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('maps the server’s refusal of the upload to a message', async () => {
    const { user } = renderApp({
      handlers: {
        ConvertImage: () => {
          throw new CombinedGraphQLErrors({
            errors: [{ message: 'not an image', extensions: { code: 'UNSUPPORTED_IMAGE' } }],
          });
        },
      },
    });
    await screen.findByRole('combobox', { name: 'Converter' });
    await user.upload(screen.getByLabelText(/Choose a photo/), png());
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/not an image we can read/);
  });

  it('puts INVALID_PARAMS beside the settings with the server’s words', async () => {
    const { user } = renderApp({
      handlers: {
        ConvertImage: () => {
          throw new CombinedGraphQLErrors({
            errors: [{ message: '/amount must be <= 4', extensions: { code: 'INVALID_PARAMS' } }],
          });
        },
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
