import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { converterIds } from '../converters/sharp/src/converters/index.ts';
import { services } from '../launcher/src/services.ts';
import { composeFilePath } from './compose-file.ts';

interface ComposeService {
  image: string;
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  read_only?: boolean;
  tmpfs?: string[];
  user?: string;
  cap_drop?: string[];
  security_opt?: string[];
  restart?: string;
  ports?: string[];
}

// compose.yaml is generated (pnpm compose) and held to its generator by pnpm compose:check; these
// are the promises the README makes of it.
describe('compose.yaml', () => {
  const file = parse(readFileSync(composeFilePath, 'utf8')) as { services: Record<string, ComposeService> };
  const entries = Object.entries(file.services);

  it('runs every service of launcher/src/services.ts with its entry point, the AI converters behind a profile', () => {
    for (const service of services) {
      const entry = file.services[service.name];
      expect(entry?.command, service.name).toEqual(['node', service.entry]);
      expect(entry?.profiles ?? [], service.name).toEqual(service.ai ? ['ai'] : []);
    }
  });

  it('runs every container as a user, read-only, without capabilities, restarting', () => {
    for (const [name, entry] of entries) {
      expect(entry.user, name).toMatch(/^[1-9]\d*:[1-9]\d*$/);
      expect(entry.read_only, name).toBe(true);
      expect(entry.tmpfs, name).toContain('/tmp');
      expect(entry.cap_drop, name).toEqual(['ALL']);
      expect(entry.security_opt, name).toContain('no-new-privileges:true');
      expect(entry.restart, name).toBe('unless-stopped');
    }
  });

  it('waits only on healthchecks, and every dependency has one', () => {
    for (const [name, entry] of entries) {
      for (const [dependency, { condition }] of Object.entries(entry.depends_on ?? {})) {
        expect(condition, `${name} → ${dependency}`).toBe('service_healthy');
        expect(file.services[dependency]?.healthcheck, dependency).toBeDefined();
      }
    }
  });

  it('takes its secrets from .env, never written into the file', () => {
    for (const [name, entry] of entries) {
      for (const [variable, value] of Object.entries(entry.environment ?? {})) {
        if (/SECRET|PASSWORD/.test(variable)) expect(value, `${name} ${variable}`).toMatch(/^\$\{\w+:\?/);
        if (variable === 'DATABASE_URL') expect(value).toContain('${POSTGRES_PASSWORD:?');
      }
    }
  });

  it('gives the conversion service every converter, and publishes only the gateway and the web app', () => {
    const converters = (file.services.conversion?.environment?.CONVERTERS ?? '')
      .split(',')
      .map((pair) => pair.split('=')[0]);
    expect(converters.sort()).toEqual([...converterIds, 'deepdream', 'upscale'].sort());
    const published = entries.filter(([, entry]) => entry.ports).map(([name]) => name);
    expect(published.sort()).toEqual(['gateway', 'web']);
  });
});
