import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../../../test/render-app.tsx';
import { EditorStore } from '../state/editor-store.ts';
import { cancelOnLeave } from './cancel-on-leave.ts';

const run = { jobId: 'j1', converterId: 'blur', params: {}, signedIn: false, cancelToken: 'tok' };

function setup() {
  const target = new EventTarget();
  const fetcher = vi.fn(async () => new Response('{}'));
  const editor = new EditorStore(memoryStorage());
  const uninstall = cancelOnLeave(editor, { target: target as unknown as Window, fetcher });
  const leave = () => target.dispatchEvent(new Event('pagehide'));
  return { target, fetcher, editor, uninstall, leave };
}

describe('cancelOnLeave', () => {
  beforeEach(() => {
    URL.createObjectURL = vi.fn(() => 'blob:x');
    URL.revokeObjectURL = vi.fn();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('cancels an anonymous job that may still run, with a keepalive JSON POST carrying its token', () => {
    const { fetcher, editor, leave } = setup();
    editor.startRun(run);
    leave();
    expect(fetcher).toHaveBeenCalledOnce();
    const [url, init] = fetcher.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/graphql');
    expect(init).toMatchObject({
      method: 'POST',
      keepalive: true,
      headers: { 'content-type': 'application/json' },
    });
    const body = JSON.parse(String(init.body)) as { query: string; variables: unknown };
    expect(body.query).toMatch(/cancelJob\(id: \$id, cancelToken: \$cancelToken\)/);
    expect(body.variables).toEqual({ id: 'j1', cancelToken: 'tok' });
  });

  it('leaves a signed-in person’s job, a job that ended, and a page without a run alone', () => {
    const { fetcher, editor, leave, uninstall } = setup();
    leave();
    editor.startRun({ ...run, signedIn: true });
    leave();
    editor.startRun(run);
    // The job ended: it said when its result goes.
    editor.noteExpiry('j1', '2030-01-01T00:00:00.000Z');
    leave();
    editor.startRun({ ...run, jobId: 'j2' });
    editor.markExpired('j2');
    leave();
    expect(fetcher).not.toHaveBeenCalled();

    editor.startRun({ ...run, jobId: 'j3' });
    uninstall();
    leave();
    expect(fetcher).not.toHaveBeenCalled();
  });
});
