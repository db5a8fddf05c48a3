import Upload from 'graphql-upload/Upload.mjs';
import { describe, expect, it } from 'vitest';
import { findUploads, withoutUploads } from './data-source.ts';

const deep = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);

describe('the upload walks of the subgraph data source', () => {
  it('find every upload with its multipart path, in order', () => {
    const [first, second] = [new Upload(), new Upload()];
    const variables = { file: first, list: [1, { more: second }], other: 'x' };
    expect(findUploads(variables, 'variables')).toEqual([
      { path: 'variables.file', upload: first },
      { path: 'variables.list.1.more', upload: second },
    ]);
    expect(withoutUploads(variables, findUploads(variables, 'variables'))).toEqual({
      file: null,
      list: [1, { more: null }],
      other: 'x',
    });
    // The caller's variables still hold the uploads.
    expect(variables.list[1]).toEqual({ more: second });
  });

  it('walk params nested 100,000 deep without overflowing the stack', () => {
    const file = new Upload();
    const variables = { file, params: deep(100_000) };
    const uploads = findUploads(variables, 'variables');
    expect(uploads).toEqual([{ path: 'variables.file', upload: file }]);
    const sent = withoutUploads(variables, uploads) as Record<string, unknown>;
    expect(sent.file).toBeNull();
    // Shared, not copied: nothing walked it.
    expect(sent.params).toBe(variables.params);
  });
});
