import type { StoredRecord } from '@pixelflow/drivers';
import type { JobJson, JobStatus } from '@pixelflow/jobs-api';

export type { JobStatus };

export const terminalStatuses: readonly JobStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
export const activeStatuses: readonly JobStatus[] = ['QUEUED', 'RUNNING'];

/** A job as the jobs service sees it: the shape its internal API answers (jobSchema). */
export type JobModel = JobJson;

export const jobKey = (id: string) => `job:${id}`;
export const resultKey = (id: string) => `job:${id}:result`;
export const jobChannel = (id: string) => `job:${id}`;

export { isJobId } from '@pixelflow/jobs-api';

export function isTerminal(status: JobStatus): boolean {
  return terminalStatuses.includes(status);
}

export function newJobFields(
  input: { id: string; converter: string; owner: string | null; steps?: readonly string[] },
  now: Date,
) {
  const at = now.toISOString();
  return {
    id: input.id,
    converter: input.converter,
    steps: JSON.stringify(input.steps ?? [input.converter]),
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
    steps: stepsOf(f),
    status: (f.status ?? 'QUEUED') as JobStatus,
    progress: progress === null || Number.isNaN(progress) ? null : progress,
    error: f.errorCode ? { code: f.errorCode, message: f.errorMessage ?? '' } : null,
    sequence: record.seq,
    createdAt: f.createdAt ?? '',
    updatedAt: f.updatedAt ?? '',
    owner: f.owner || null,
    attempts: Number(f.attempts ?? 0),
    result: f.resultType ? { contentType: f.resultType, bytes: Number(f.resultBytes ?? 0) } : null,
    expiresAt: f.expiresAt || null,
    notice: f.notice || null,
    queue:
      f.status === 'QUEUED' && f.queuePosition
        ? {
            position: Number(f.queuePosition),
            estimatedStartAt: f.estimatedStartAt || null,
            estimatedFinishAt: f.estimatedFinishAt || null,
          }
        : null,
  };
}

/** The converters a job runs; a job stored before steps ran its converter alone. */
function stepsOf(fields: Record<string, string>): string[] {
  try {
    const steps: unknown = JSON.parse(fields.steps ?? '');
    if (Array.isArray(steps) && steps.every((step) => typeof step === 'string')) return steps;
  } catch {}
  return fields.converter ? [fields.converter] : [];
}

export function clampProgress(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value));
}
