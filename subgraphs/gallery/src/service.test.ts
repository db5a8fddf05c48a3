import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteSql } from '@pixelflow/drivers';
import { describeGalleryService } from '../testing/service.suite.ts';
import { createGalleryObjectStore } from './service.ts';

// The embedded mode's drivers: PGlite in memory and files in a temporary directory.
describeGalleryService('PGlite + files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pixelflow-gallery-'));
  const sql = await createPgliteSql(undefined);
  return {
    sql,
    objects: createGalleryObjectStore({ kind: 'fs', dir }),
    close: async () => {
      await sql.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
