import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerignore } from '../../scripts/docker-context.ts';
import { environmentOf, type ServiceDescription, services, startOrder, urlVariable } from './services.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
/** The folder a service's code lives in, e.g. `subgraphs/jobs/`. */
const folderOf = (service: ServiceDescription) => `${dirname(dirname(service.entry))}/`;

// Everything below follows from the manifest: a service added there is held to all of it.
describe('the service manifest', () => {
  it('names entry points that exist, and the ports their env.ts default to', async () => {
    for (const service of services) {
      expect(existsSync(new URL(service.entry, root)), service.entry).toBe(true);
      // The default the service listens on when PORT is not set.
      const schema = (await service.env?.()) as
        | { shape: { PORT: { parse(v: unknown): unknown } } }
        | undefined;
      if (schema) expect(schema.shape.PORT.parse(undefined), service.name).toBe(service.port);
      if (service.graphql) expect(existsSync(new URL(service.graphql.schema, root)), service.name).toBe(true);
    }
  });

  it('gives every service the variables for the services it calls', async () => {
    for (const service of services) {
      const variables = await environmentOf(service);
      for (const name of service.dependsOn) {
        const called = services.find((s) => s.name === name)!;
        const variable = called.role === 'converter' ? 'CONVERTERS' : urlVariable(name);
        expect(variables.has(variable), `${service.name} reads ${variable}`).toBe(true);
      }
    }
  });

  it('starts each service after the services it calls, and the gateway last', () => {
    const groups = startOrder();
    const position = new Map(groups.flatMap((group, i) => group.map((s) => [s.name, i] as const)));
    for (const service of services) {
      for (const name of service.dependsOn)
        expect(position.get(name)!).toBeLessThan(position.get(service.name)!);
    }
    expect(groups.at(-1)!.map((s) => s.name)).toEqual(['gateway']);
  });

  it('is what the Helm chart deploys: a workload per service, running its entry point', () => {
    // Every template file, those of `helm test` (templates/tests/) included.
    const templates = readdirSync(new URL('helm/pixelflow/templates/', root), {
      recursive: true,
      encoding: 'utf8',
    })
      .filter((file) => /\.(yaml|tpl|txt)$/.test(file))
      .map((file) => read(`helm/pixelflow/templates/${file}`))
      .join('\n');
    for (const service of services) {
      // Model converters are deployed per entry of aiConverters, from their id.
      const entry = service.ai ? 'printf "converters/%s/src/main.ts"' : `"${service.entry}"`;
      expect(templates, service.name).toContain(entry);
      if (service.ai)
        expect(read('helm/pixelflow/values.yaml'), service.name).toMatch(
          new RegExp(`^  ${service.name}:`, 'm'),
        );
    }
  });

  it('is in the container image: no entry point is left out of the build context', () => {
    // With all they import: scripts/docker-context.test.ts.
    const ignored = dockerignore();
    for (const service of services)
      expect(ignored.ignores(service.entry), `${service.entry} is excluded by .dockerignore`).toBe(false);
  });

  it('is what the README describes: each service in the layout, with its entry point style', () => {
    const readme = read('README.md');
    const layout = readme.slice(readme.indexOf('## Layout'));
    for (const service of services) expect(layout, service.name).toContain(folderOf(service));
  });
});
