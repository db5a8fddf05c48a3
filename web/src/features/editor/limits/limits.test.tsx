import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { expectNoSeriousAxeViolations } from '../../../test/axe.ts';
import { converters, grayscale, limits, png, renderApp, useFreshPage } from '../../../test/render-app.tsx';

const upscale = {
  ...grayscale,
  id: 'upscale',
  title: 'Upscale',
  description: 'Enlarges.',
  ...limits({ maxPixels: 1_048_576, maxOutputPixels: 16_777_216, oversize: 'REFUSE', cost: 'HEAVY' }),
};
const list = [...converters, grayscale, upscale];

/** The browser decoded the preview: its size, as jsdom cannot decode. */
function decoded(width: number, height: number) {
  const preview = screen.getByRole('img', { name: /^Your photo/ });
  Object.defineProperty(preview, 'naturalWidth', { value: width, configurable: true });
  Object.defineProperty(preview, 'naturalHeight', { value: height, configurable: true });
  fireEvent.load(preview);
}

describe('the converter picker’s limits', () => {
  useFreshPage();

  it('are said with the chosen converter before anyone starts, heavy ones marked in the list', async () => {
    const { user, container } = renderApp({ converterList: list });
    const picker = await screen.findByRole('combobox', { name: 'Converter' });
    expect(screen.getByRole('option', { name: 'Upscale (heavy)' })).toBeTruthy();
    await user.selectOptions(picker, 'upscale');
    const notes = screen.getByRole('list', { name: 'Limits' });
    expect([...notes.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'Takes images up to 1 MP; larger ones are refused.',
      'Makes results of up to 16.8 MP.',
      'Heavy: takes a while, one at a time (two when signed in).',
    ]);
    // Read with the select.
    expect(picker.getAttribute('aria-describedby')?.split(' ')).toContain(notes.id);
    await expectNoSeriousAxeViolations(container);
  });

  it('flag a photo too large for the first step before any upload, with the size that would fit', async () => {
    const { user, calls, container } = renderApp({ converterList: list });
    const picker = await screen.findByRole('combobox', { name: 'Converter' });
    await user.selectOptions(picker, 'upscale');
    await user.upload(screen.getByLabelText(/Choose a photo/), png());
    decoded(4000, 3000);
    expect(screen.getByRole('alert').textContent).toBe(
      'This photo is 4000×3000 (12 MP); Upscale takes at most 1 MP. Scale it down to about 1182×886 first, or pick another converter.',
    );
    const start = screen.getByRole('button', { name: 'Start' });
    expect(start).toHaveProperty('disabled', true);
    expect(document.getElementById(start.getAttribute('aria-describedby') ?? '')?.textContent).toBe(
      'The photo is too large for the first step (see above).',
    );
    await expectNoSeriousAxeViolations(container);

    // As a later step it cannot know the size that reaches it: a hint, and Start stays possible.
    await user.selectOptions(picker, 'grayscale');
    expect(screen.queryByRole('alert')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Add a step' }));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Converter' }), 'upscale');
    expect(screen.getByText(/Your photo is larger than the 1 MP this converter takes/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Start' })).toHaveProperty('disabled', false);
    expect(calls.filter((call) => call.name === 'ConvertImage')).toHaveLength(0);
  });
});
