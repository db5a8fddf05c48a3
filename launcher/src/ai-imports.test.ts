import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// `pnpm start` imports the AI converters' services on its main thread; TensorFlow.js (tens of MB
// resident, its WebAssembly glue's process listeners) belongs in their worker threads only, and
// then only once a conversion asks for the model.
describe('the AI converters on the main thread', () => {
  it('load no TensorFlow.js module', () => {
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({
        resolve(specifier, context, next) {
          const result = next(specifier, context);
          if (result.url.includes('@tensorflow')) loaded.push(result.url);
          return result;
        },
      });
      const deepdream = await import('@pixelflow/converter-deepdream');
      const upscale = await import('@pixelflow/converter-upscale');
      console.log(JSON.stringify({ loaded, ids: [deepdream.description.id, upscale.description.id] }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    });
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual({
      loaded: [],
      ids: ['deepdream', 'upscale'],
    });
  });
});
