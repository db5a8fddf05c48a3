import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { screen, waitFor, within } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { expectNoSeriousAxeViolations } from '../../../test/axe.ts';
import {
  converters,
  convertImageAnswers,
  grayscale,
  limits,
  png,
  renderApp,
  useFreshPage,
} from '../../../test/render-app.tsx';

const flip = {
  __typename: 'Converter',
  id: 'flip',
  title: 'Flip',
  description: 'Mirrors.',
  healthy: true,
  ...limits(),
  params: { type: 'object', properties: {} },
};
const list = [...converters, grayscale, flip];

const picker = () => screen.getByRole('combobox', { name: 'Converter' });
const stepItems = () => within(screen.getByRole('list', { name: 'Steps' })).getAllByRole('listitem');
const titles = () => screen.getAllByText(/^Step \d: /).map((title) => title.textContent);

/** Adds a step and picks its converter (the new step opens with focus on its converter). */
async function addStep(user: UserEvent, converter: string) {
  await user.click(screen.getByRole('button', { name: 'Add a step' }));
  await waitFor(() => expect(document.activeElement).toBe(picker()));
  await user.selectOptions(picker(), converter);
}

describe('the steps of a job', () => {
  useFreshPage();

  it('are built, reordered and removed with buttons, and run as one job with `andThen`', async () => {
    const { user, calls, jobs, container } = renderApp({
      handlers: { ConvertImage: convertImageAnswers() },
      converterList: list,
    });
    await screen.findByRole('combobox', { name: 'Converter' });
    await user.upload(screen.getByLabelText(/Choose a photo/), png());
    await user.clear(screen.getByLabelText('Amount'));
    await user.type(screen.getByLabelText('Amount'), '2');
    await addStep(user, 'grayscale');
    await addStep(user, 'flip');
    await addStep(user, 'contrast');
    expect(titles()).toEqual(['Step 1: Contrast', 'Step 2: Grayscale', 'Step 3: Flip', 'Step 4: Contrast']);
    // A closed step says what it will do.
    expect(within(stepItems()[0]!).getByText('Amount 2')).toBeTruthy();
    await expectNoSeriousAxeViolations(container);

    await user.click(screen.getByRole('button', { name: 'Remove step 4 (Contrast)' }));
    expect(titles()).toEqual(['Step 1: Contrast', 'Step 2: Grayscale', 'Step 3: Flip']);
    // Focus stays in the list, on the step that is now last (the open one: its converter).
    expect(document.activeElement).toBe(picker());

    // With the keyboard: move Flip up, focus following it.
    screen.getByRole('button', { name: 'Move up step 3 (Flip)' }).focus();
    await user.keyboard('{Enter}');
    expect(titles()).toEqual(['Step 1: Contrast', 'Step 2: Flip', 'Step 3: Grayscale']);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Move up step 2 (Flip)' }));
    await user.keyboard('{Enter}');
    expect(titles()).toEqual(['Step 1: Flip', 'Step 2: Contrast', 'Step 3: Grayscale']);
    // At the top it cannot go up: focus is on its other move button rather than lost.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Move down step 1 (Flip)' }));
    expect(screen.getByText('Flip moved to step 1 of 3.')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Start' }));
    await screen.findByRole('heading', { name: '3. Result' });
    const uploads = calls.filter((call) => call.name === 'ConvertImage');
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.variables).toMatchObject({ converter: 'flip', params: {} });
    expect(uploads[0]!.variables.andThen).toEqual([
      { converter: 'contrast', params: { amount: 2 } },
      { converter: 'grayscale', params: {} },
    ]);

    jobs.push({ status: 'RUNNING', progress: 0.5, sequence: 1 });
    expect(within(screen.getByRole('region', { name: '3. Result' })).getByRole('status').textContent).toBe(
      'Converting… Step 2 of 3 (Contrast), 50%',
    );
  });

  it('stop a Start at a closed step whose settings do not pass, and open it with what is wrong', async () => {
    const { user, calls } = renderApp({
      handlers: { ConvertImage: convertImageAnswers() },
      converterList: list,
    });
    await screen.findByRole('combobox', { name: 'Converter' });
    await user.upload(screen.getByLabelText(/Choose a photo/), png());
    await user.clear(screen.getByLabelText('Amount'));
    await user.type(screen.getByLabelText('Amount'), '9');
    await addStep(user, 'grayscale');
    expect(within(stepItems()[0]!).getByText('Some settings need checking.')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(calls.filter((call) => call.name === 'ConvertImage')).toHaveLength(0);
    expect(screen.getByText('Step 1 (Contrast) has settings to check.')).toBeTruthy();
    const amount = screen.getByLabelText('Amount');
    expect(amount.getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(document.activeElement).toBe(amount));
  });

  it('show the server’s refusal of a later step’s settings beside that step', async () => {
    const refuse = () => {
      throw new CombinedGraphQLErrors({
        errors: [
          {
            message: 'step 2 (contrast): amount must be <= 4',
            extensions: { code: 'INVALID_PARAMS', step: 2 },
          },
        ],
      });
    };
    const { user } = renderApp({ handlers: { ConvertImage: refuse }, converterList: list });
    await screen.findByRole('combobox', { name: 'Converter' });
    await user.upload(screen.getByLabelText(/Choose a photo/), png());
    await user.selectOptions(picker(), 'grayscale');
    await addStep(user, 'contrast');
    await user.click(screen.getByRole('button', { name: 'Edit step 1 (Grayscale)' }));
    await user.click(screen.getByRole('button', { name: 'Start' }));
    const open = await screen.findByRole('listitem', { current: 'step' });
    expect(within(open).getByText('Step 2: Contrast')).toBeTruthy();
    expect(within(open).getByRole('alert').textContent).toBe(
      'Some settings are not accepted: step 2 (contrast): amount must be <= 4.',
    );
  });
});
