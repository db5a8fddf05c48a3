import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ExpiryNotice, formatUntil } from './expiry-notice.tsx';

describe('ExpiryNotice', () => {
  it('says the time in local time, with the date only when it is another day', () => {
    const now = new Date(2030, 0, 1, 13, 32);
    const today = new Date(2030, 0, 1, 14, 32);
    expect(formatUntil(today, now)).toBe(
      today.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
    );
    const tomorrow = new Date(2030, 0, 2, 0, 15);
    expect(formatUntil(tomorrow, now)).toBe(
      tomorrow.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }),
    );
  });

  it('marks the time up as a machine-readable <time>, and shows nothing for an unreadable one', () => {
    const at = new Date(Date.now() + 60_000).toISOString();
    const { container, rerender } = render(<ExpiryNotice id="n" expiresAt={at} />);
    expect(screen.getByText(/^Download available until/).textContent).toMatch(/until .+\.$/);
    expect(container.querySelector('time')?.getAttribute('datetime')).toBe(at);
    rerender(<ExpiryNotice id="n" expiresAt="soon" />);
    expect(container.textContent).toBe('');
  });
});
