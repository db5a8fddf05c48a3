import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// Tests run without vitest's globals, so testing-library cannot register its own cleanup.
afterEach(() => {
  cleanup();
});
