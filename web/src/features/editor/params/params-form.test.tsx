import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { expectNoSeriousAxeViolations } from '../../../test/axe.ts';
import { ParamsForm } from './params-form.tsx';

// Shapes as the converters publish them (converters/sharp, deepdream, upscale).
const contrast = {
  type: 'object',
  additionalProperties: false,
  properties: {
    amount: {
      type: 'number',
      title: 'Amount',
      description: '1 keeps the image, 0 is flat grey, 2 doubles the contrast.',
      minimum: 0,
      maximum: 4,
      default: 1.5,
    },
  },
};

const upscale = {
  type: 'object',
  additionalProperties: false,
  properties: {
    scale: { type: 'integer', enum: [2, 4], default: 2, description: 'How many times wider and taller.' },
    model: { type: 'string', enum: ['auto', 'slim', 'medium', 'thick'], default: 'auto' },
  },
};

const resize = {
  type: 'object',
  additionalProperties: false,
  properties: {
    width: { type: 'integer', title: 'Width', minimum: 1, maximum: 8192 },
    height: { type: 'integer', title: 'Height', minimum: 1, maximum: 8192 },
    fit: {
      type: 'string',
      title: 'Fit',
      enum: ['inside', 'outside', 'cover', 'contain', 'fill'],
      default: 'inside',
    },
    withoutEnlargement: { type: 'boolean', title: 'Never enlarge', default: false },
    background: {
      type: 'string',
      title: 'Padding colour (fit contain)',
      pattern: '^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$',
      default: '#000000',
    },
  },
  anyOf: [{ required: ['width'] }, { required: ['height'] }],
};

const deepdream = {
  type: 'object',
  additionalProperties: false,
  properties: {
    layers: {
      title: 'Layers',
      description: 'A preset or a list of InceptionV3 layers with weights.',
      default: 'classic',
      oneOf: [
        { type: 'string', enum: ['patterns', 'classic', 'creatures'] },
        {
          type: 'array',
          minItems: 1,
          maxItems: 11,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['layer', 'weight'],
            properties: {
              layer: { type: 'string', enum: ['mixed0', 'mixed1', 'mixed2', 'mixed3'] },
              weight: { type: 'number', exclusiveMinimum: 0, maximum: 10 },
            },
          },
        },
      ],
    },
    octaves: { type: 'integer', title: 'Octaves', minimum: 1, maximum: 6, default: 4 },
    seed: { type: 'integer', title: 'Seed', minimum: 0, maximum: 2 ** 31 - 1 },
  },
};

function setup(schema: unknown) {
  const onSubmit = vi.fn();
  const user = userEvent.setup();
  const view = render(<ParamsForm schema={schema} onSubmit={onSubmit} />);
  const start = () => user.click(screen.getByRole('button', { name: 'Start' }));
  return { onSubmit, user, start, ...view };
}

describe('ParamsForm', () => {
  it('renders a bounded number as a number input and a slider, starting at the default', async () => {
    const { onSubmit, start } = setup(contrast);
    const input = screen.getByRole('spinbutton', { name: 'Amount' });
    expect(input).toHaveProperty('value', '1.5');
    expect(input.getAttribute('min')).toBe('0');
    expect(input.getAttribute('max')).toBe('4');
    expect(screen.getByRole('slider', { name: 'Amount (slider)' })).toHaveProperty('value', '1.5');
    // The description is the input's accessible description.
    expect(input.getAttribute('aria-describedby')).toBeTruthy();
    expect(screen.getByText(/doubles the contrast/).id).toBe(input.getAttribute('aria-describedby'));

    await start();
    expect(onSubmit).toHaveBeenCalledExactlyOnceWith({ amount: 1.5 });
  });

  it('refuses a value out of bounds beside the field, and submits once it is fixed', async () => {
    const { onSubmit, start, user } = setup(contrast);
    const input = screen.getByRole('spinbutton', { name: 'Amount' });
    await user.clear(input);
    await user.type(input, '7');
    await start();

    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByText('Must be at least 0 and at most 4.')).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toMatch(/Check the setting marked above/);

    await user.clear(input);
    await user.type(input, '2.5');
    await start();
    expect(onSubmit).toHaveBeenCalledExactlyOnceWith({ amount: 2.5 });
  });

  it('keeps the slider and the number input in step', async () => {
    const { onSubmit, start, user } = setup({
      type: 'object',
      properties: { octaves: { type: 'integer', title: 'Octaves', minimum: 1, maximum: 6, default: 4 } },
    });
    const slider = screen.getByRole('slider', { name: 'Octaves (slider)' });
    const input = screen.getByRole('spinbutton', { name: 'Octaves' });
    fireEvent.change(slider, { target: { value: '2' } });
    expect(input).toHaveProperty('value', '2');
    await user.clear(input);
    await user.type(input, '5');
    expect(slider).toHaveProperty('value', '5');
    await start();
    expect(onSubmit).toHaveBeenCalledWith({ octaves: 5 });
  });

  it('renders enums as selects and submits their values with their JSON types', async () => {
    const { onSubmit, start, user } = setup(upscale);
    const scale = screen.getByRole('combobox', { name: 'Scale' });
    expect(
      within(scale)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['2', '4']);
    await user.selectOptions(scale, '4');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Model' }), 'thick');
    await start();
    expect(onSubmit).toHaveBeenCalledExactlyOnceWith({ scale: 4, model: 'thick' });
  });

  it('leaves empty optional fields out, checks whole numbers, and explains a missing one-of', async () => {
    const { onSubmit, start, user } = setup(resize);
    expect(screen.getByRole('checkbox', { name: 'Never enlarge' })).toHaveProperty('checked', false);
    await start();
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toBe('Give Width or Height.');

    const width = screen.getByRole('spinbutton', { name: 'Width' });
    await user.type(width, '12.5');
    await start();
    expect(screen.getByText('Enter a whole number.')).toBeTruthy();

    await user.clear(width);
    await user.type(width, '800');
    await user.click(screen.getByRole('checkbox', { name: 'Never enlarge' }));
    await start();
    expect(onSubmit).toHaveBeenCalledExactlyOnceWith({
      width: 800,
      fit: 'inside',
      withoutEnlargement: true,
      background: '#000000',
    });
  });

  it('checks a colour against its pattern', async () => {
    const { onSubmit, start, user } = setup(resize);
    await user.type(screen.getByRole('spinbutton', { name: 'Height' }), '300');
    const colour = screen.getByRole('textbox', { name: 'Padding colour (fit contain)' });
    await user.clear(colour);
    await user.type(colour, 'red');
    await start();
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByText('Enter a colour like #ff8800.')).toBeTruthy();
  });

  it('offers a oneOf as presets or advanced JSON, and validates the JSON against its schema', async () => {
    const { onSubmit, start, user } = setup(deepdream);
    const layers = screen.getByRole('group', { name: 'Layers' });
    const preset = within(layers).getByRole('combobox', { name: 'Layers preset' });
    expect(preset).toHaveProperty('value', 'classic');
    await user.selectOptions(preset, 'creatures');
    await start();
    expect(onSubmit).toHaveBeenLastCalledWith({ layers: 'creatures', octaves: 4 });

    await user.click(within(layers).getByRole('radio', { name: 'Advanced (JSON)' }));
    const json = within(layers).getByRole('textbox', { name: 'Layers as JSON' });
    // Starts from an example that the schema accepts.
    expect(JSON.parse((json as HTMLTextAreaElement).value)).toEqual([{ layer: 'mixed0', weight: 1 }]);

    await user.clear(json);
    await user.paste('[{"layer": "mixed3", "weight": 0}]');
    await start();
    expect(screen.getByText(/Item 1, "weight": must be more than 0/)).toBeTruthy();

    await user.clear(json);
    await user.paste('[{"layer": "mixed3"');
    await start();
    expect(screen.getByText('This is not valid JSON.')).toBeTruthy();

    await user.clear(json);
    await user.paste('[{"layer": "mixed3", "weight": 1.5}, {"layer": "mixed1", "weight": 2}]');
    await start();
    expect(onSubmit).toHaveBeenLastCalledWith({
      layers: [
        { layer: 'mixed3', weight: 1.5 },
        { layer: 'mixed1', weight: 2 },
      ],
      octaves: 4,
    });
  });

  it('gives an unbounded-ish integer (a seed) no slider, and sends it only when set', async () => {
    const { onSubmit, start, user } = setup(deepdream);
    expect(screen.queryByRole('slider', { name: 'Seed (slider)' })).toBeNull();
    await user.type(screen.getByRole('spinbutton', { name: 'Seed' }), '42');
    await start();
    expect(onSubmit).toHaveBeenLastCalledWith({ layers: 'classic', octaves: 4, seed: 42 });
  });

  it('shows the server’s INVALID_PARAMS message', () => {
    render(
      <ParamsForm
        schema={contrast}
        onSubmit={() => {}}
        serverError="Some settings are not accepted: amount too high."
      />,
    );
    expect(screen.getByRole('alert').textContent).toBe('Some settings are not accepted: amount too high.');
  });

  it('says so when a converter has no settings', async () => {
    const { onSubmit, start } = setup({ type: 'object', properties: {}, additionalProperties: false });
    expect(screen.getByText('This converter has no settings.')).toBeTruthy();
    await start();
    expect(onSubmit).toHaveBeenCalledWith({});
  });

  it('starts from values typed earlier where they still fit, and reports every change', async () => {
    const onSubmit = vi.fn();
    const onValuesChange = vi.fn();
    const user = userEvent.setup();
    render(
      <ParamsForm
        schema={resize}
        onSubmit={onSubmit}
        onValuesChange={onValuesChange}
        // fit: an option the schema no longer has; withoutEnlargement: text where a checkbox is.
        initialValues={{ width: '640', fit: 'squash', withoutEnlargement: 'yes', gone: '1' }}
      />,
    );
    expect(screen.getByRole('spinbutton', { name: 'Width' })).toHaveProperty('value', '640');
    expect(screen.getByRole('combobox', { name: 'Fit' })).toHaveProperty('value', 'inside');
    expect(screen.getByRole('checkbox', { name: 'Never enlarge' })).toHaveProperty('checked', false);
    await user.type(screen.getByRole('spinbutton', { name: 'Height' }), '4');
    expect(onValuesChange).toHaveBeenLastCalledWith(expect.objectContaining({ width: '640', height: '4' }));
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(onSubmit).toHaveBeenCalledWith({
      width: 640,
      height: 4,
      fit: 'inside',
      withoutEnlargement: false,
      background: '#000000',
    });
  });

  it('has no serious accessibility violations, with errors shown', async () => {
    for (const schema of [deepdream, resize, upscale]) {
      const { container, start, unmount } = setup(schema);
      await start();
      await expectNoSeriousAxeViolations(container);
      unmount();
    }
  });
});
