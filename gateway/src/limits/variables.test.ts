import { describe, expect, it } from 'vitest';
import { checkVariablesDepth } from './variables.ts';

const nested = (levels: number) => JSON.parse(`${'{"a":['.repeat(levels)}1${']}'.repeat(levels)}`);

describe('checkVariablesDepth', () => {
  it('accepts variables as deep as the limit: objects and lists each count a level', () => {
    // The variables object 1, then an object and a list per level: 1 + 2 × 3 = 7.
    expect(() => checkVariablesDepth({ p: nested(3) }, 7)).not.toThrow();
    expect(() => checkVariablesDepth({ p: nested(3) }, 6)).toThrow(
      expect.objectContaining({ code: 'VARIABLES_TOO_DEEP' }),
    );
  });

  it('refuses params nested 100,000 deep without overflowing the stack', () => {
    expect(() => checkVariablesDepth({ params: nested(100_000) }, 16)).toThrow(
      expect.objectContaining({ code: 'VARIABLES_TOO_DEEP' }),
    );
  });

  it('takes anything but plain objects and arrays for a leaf (an Upload)', () => {
    class Upload {
      readonly self = this;
    }
    expect(() => checkVariablesDepth({ file: new Upload() }, 1)).not.toThrow();
    expect(() => checkVariablesDepth(undefined, 1)).not.toThrow();
  });
});
