import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { expectNoSeriousAxeViolations } from '../../../test/axe.ts';
import { ExpiredNotice } from './expired-notice.tsx';

const props = {
  inGallery: false,
  blocked: null,
  starting: false,
  error: null,
  onConvertAgain: () => undefined,
};

describe('ExpiredNotice', () => {
  it('offers Convert again, and points a signed-in person to their gallery', async () => {
    const onConvertAgain = vi.fn();
    const { container, rerender } = render(<ExpiredNotice {...props} onConvertAgain={onConvertAgain} />);
    expect(screen.queryByRole('link', { name: 'your gallery' })).toBeNull();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Convert again' }));
    expect(onConvertAgain).toHaveBeenCalledOnce();

    rerender(<ExpiredNotice {...props} inGallery />);
    expect(screen.getByRole('link', { name: 'your gallery' }).getAttribute('href')).toBe('/gallery');
    await expectNoSeriousAxeViolations(container);
  });

  it('says why Convert again cannot run, beside the disabled button', () => {
    render(<ExpiredNotice {...props} blocked="Choose your photo again first." />);
    const button = screen.getByRole('button', { name: 'Convert again' });
    expect(button).toHaveProperty('disabled', true);
    expect(document.getElementById(button.getAttribute('aria-describedby') ?? '')?.textContent).toBe(
      'Choose your photo again first.',
    );
  });
});
