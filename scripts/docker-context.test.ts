import { describe, expect, it } from 'vitest';
import { services } from '../launcher/src/services.ts';
import { buildContext, exportedFiles, importClosure, isTestCode, repositoryFiles } from './docker-context.ts';

// The image is `COPY . .` of this context: test code left in it ships, and a file a service needs
// left out of it breaks that service only in the image.
describe('the Docker build context', () => {
  const files = repositoryFiles();
  const context = new Set(buildContext(files));

  it('holds no test code (see the convention at the top of .dockerignore)', () => {
    expect([...context].filter(isTestCode)).toEqual([]);
  });

  it('holds every file the services need, each entry point with all it imports', () => {
    for (const service of services) {
      const missing = importClosure([service.entry], files).filter((file) => !context.has(file));
      expect(missing, `${service.name} needs these, left out of the image`).toEqual([]);
    }
  });

  it('holds in the services’ folders no code that only tests use', () => {
    // What the image runs: the entry points, and what the workspace packages export to them.
    const exported = exportedFiles(files).filter((file) => context.has(file));
    const used = new Set(importClosure([...services.map((s) => s.entry), ...exported], files));
    const unused = [...context].filter(
      (file) =>
        /^(?:packages|subgraphs|converters|gateway)\/.*\.(?:[cm]?[jt]s|tsx)$/.test(file) &&
        !file.endsWith('.d.ts') &&
        !used.has(file),
    );
    expect(unused, 'imported by nothing the image runs').toEqual([]);
  });
});
