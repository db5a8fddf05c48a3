import type { SqlExecutor } from '@pixelflow/drivers';
import type { ImageKind, ImageModel, PageCursor } from '../images.ts';
import { SCHEMA } from './migrations.ts';

const table = `${SCHEMA}.images`;
const columns = `id, owner_id, job_id, kind, converter, original_id, format, content_type, width, height,
  bytes, created_at, image_key, thumbnail_key`;

interface ImageRow extends Record<string, unknown> {
  id: string;
  owner_id: string;
  job_id: string;
  kind: ImageKind;
  converter: string | null;
  original_id: string | null;
  format: string;
  content_type: string;
  width: number;
  height: number;
  bytes: number;
  created_at: Date;
  image_key: string;
  thumbnail_key: string;
}

function toModel(row: ImageRow): ImageModel {
  return {
    id: row.id,
    ownerId: row.owner_id,
    jobId: row.job_id,
    kind: row.kind,
    converter: row.converter,
    originalId: row.original_id,
    format: row.format,
    contentType: row.content_type,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    createdAt: row.created_at,
    imageKey: row.image_key,
    thumbnailKey: row.thumbnail_key,
  };
}

/**
 * One page of an owner's images, newest first, one more than asked (to learn whether a page
 * follows): $1 the owner, $2 the limit, and after a cursor $3 its time and $4 its id. Keyset
 * paging: the row comparison and the order match the (owner_id, created_at DESC, id DESC) index,
 * so a page is one short range scan, as fast deep in a gallery as at its start (no OFFSET).
 */
export function pageQuery(afterCursor: boolean): string {
  const cursor = afterCursor ? ' AND (created_at, id) < ($3::timestamptz, $4::uuid)' : '';
  return `SELECT ${columns},
      to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
    FROM ${table} WHERE owner_id = $1${cursor}
    ORDER BY created_at DESC, id DESC
    LIMIT $2`;
}

export type NewImage = Omit<ImageModel, 'createdAt' | 'originalId'>;

export interface ImagePage {
  images: Array<{ image: ImageModel; cursor: PageCursor }>;
  hasNextPage: boolean;
}

/** Image metadata in `gallery.images`. Ids reaching here are UUIDs (checked by the callers). */
export class ImageStore {
  readonly #sql: SqlExecutor;

  constructor(sql: SqlExecutor) {
    this.#sql = sql;
  }

  /**
   * Inserts the image unless its job already has one of its kind; answers the inserted row, or
   * null when another save of the same job and kind was first. A CONVERTED image is linked to the
   * ORIGINAL of its job, when that was saved.
   */
  async insert(image: NewImage): Promise<ImageModel | null> {
    const [row] = await this.#sql.query<ImageRow>(
      `INSERT INTO ${table} (id, owner_id, job_id, kind, converter, original_id, format, content_type,
         width, height, bytes, image_key, thumbnail_key)
       VALUES ($1, $2, $3, $4, $5,
         CASE WHEN $4 = 'CONVERTED'
           THEN (SELECT id FROM ${table} WHERE job_id = $3 AND kind = 'ORIGINAL' AND owner_id = $2)
         END,
         $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (job_id, kind) DO NOTHING
       RETURNING ${columns}`,
      [
        image.id,
        image.ownerId,
        image.jobId,
        image.kind,
        image.converter,
        image.format,
        image.contentType,
        image.width,
        image.height,
        image.bytes,
        image.imageKey,
        image.thumbnailKey,
      ],
    );
    return row ? toModel(row) : null;
  }

  async byId(id: string): Promise<ImageModel | null> {
    const [row] = await this.#sql.query<ImageRow>(`SELECT ${columns} FROM ${table} WHERE id = $1`, [id]);
    return row ? toModel(row) : null;
  }

  async byJob(jobId: string, kind: ImageKind): Promise<ImageModel | null> {
    const [row] = await this.#sql.query<ImageRow>(
      `SELECT ${columns} FROM ${table} WHERE job_id = $1 AND kind = $2`,
      [jobId, kind],
    );
    return row ? toModel(row) : null;
  }

  /**
   * One page of an owner's images, newest first (created_at, then id, descending), after `after`
   * (see pageQuery). Cursors carry PostgreSQL's microseconds, which a JS Date would round away.
   */
  async page(ownerId: string, first: number, after: PageCursor | null): Promise<ImagePage> {
    const params = after ? [ownerId, first + 1, after.createdAt, after.id] : [ownerId, first + 1];
    const rows = await this.#sql.query<ImageRow & { cursor_at: string }>(pageQuery(after !== null), params);
    return {
      images: rows.slice(0, first).map((row) => ({
        image: toModel(row),
        cursor: { createdAt: row.cursor_at, id: row.id },
      })),
      hasNextPage: rows.length > first,
    };
  }

  /** Deletes the images a job saved for the owner; answers them. */
  async deleteJob(jobId: string, ownerId: string): Promise<ImageModel[]> {
    const rows = await this.#sql.query<ImageRow>(
      `DELETE FROM ${table} WHERE job_id = $1 AND owner_id = $2 RETURNING ${columns}`,
      [jobId, ownerId],
    );
    return rows.map(toModel);
  }

  /** Deletes the owner's image; answers it, or null when there is no such image of theirs. */
  async delete(id: string, ownerId: string): Promise<ImageModel | null> {
    const [row] = await this.#sql.query<ImageRow>(
      `DELETE FROM ${table} WHERE id = $1 AND owner_id = $2 RETURNING ${columns}`,
      [id, ownerId],
    );
    return row ? toModel(row) : null;
  }
}
