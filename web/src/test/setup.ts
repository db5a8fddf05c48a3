import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { mediaQueryList } from './media.ts';

// Tests run without vitest's globals, so testing-library cannot register its own cleanup.
afterEach(() => {
  cleanup();
});

// jsdom lays nothing out and evaluates no media queries; the page scrolls regions into view and
// asks for prefers-reduced-motion. Tests spy on these to see what the page asked for.
Element.prototype.scrollIntoView = function scrollIntoView() {};
window.matchMedia = (query: string) => mediaQueryList(query, false);
