import type { StoredRecord } from '@pixelflow/drivers';
import type { JobJson, JobStatus } from '@pixelflow/jobs-api';

export type { JobStatus };

export const terminalStatuses: readonly JobStatus[] = ['SUCCEEDED', 'FAILED'];
export const activeStatuses: readonly JobStatus[] = ['QUEUED', 'RUNNING'];

/** A job as the jobs service sees it: the shape its internal API answers (jobSchema). */
export type JobModel = JobJson;

export const jobKey = (id: string) => `job:${id}`;
export const resultKey = (id: string) => `job:${id}:result`;
export const jobChannel = (id: string) => `job:${id}`;

// Job ids are UUIDs made by the conversion service; anything else is rejected before any lookup.
const jobIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isJobId = (id: string) => jobIdPattern.test(id);

export function isTerminal(status: JobStatus): boolean {
  return terminalStatuses.includes(status);
}

export function newJobFields(input: { id: string; converter: string; owner: string | null }, now: Date) {
  const at = now.toISOString();
  return {
    id: input.id,
    converter: input.converter,
    status: 'QUEUED',
    createdAt: at,
    updatedAt: at,
    owner: input.owner ?? '',
    attempts: '0',
  } satisfies Record<string, string>;
}

/** Reads a stored record back into a JobModel (hash fields are strings; absent means unset). */
export function toJobModel(record: StoredRecord): JobModel {
  const f = record.fields;
  const progress = f.progress ? Number(f.progress) : null;
  return {
    id: f.id ?? '',
    converter: f.converter ?? '',
    status: (f.status ?? 'QUEUED') as JobStatus,
    progress: progress === null || Number.isNaN(progress) ? null : progress,
    error: f.errorCode ? { code: f.errorCode, message: f.errorMessage ?? '' } : null,
    sequence: record.seq,
    createdAt: f.createdAt ?? '',
    updatedAt: f.updatedAt ?? '',
    owner: f.owner || null,
    attempts: Number(f.attempts ?? 0),
    result: f.resultType ? { contentType: f.resultType, bytes: Number(f.resultBytes ?? 0) } : null,
  };
}

export function clampProgress(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value));
}
