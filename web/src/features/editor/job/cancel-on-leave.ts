import type { EditorStore } from '../state/editor-store.ts';
import type { Run } from '../state/stored-editor.ts';
import { sendCancelOnLeave } from './cancel-job.ts';

/**
 * Whether leaving the page should cancel the run's job: an anonymous job nobody can come back to
 * (a signed-in person's lands in their gallery, so it goes on) that may still wait or run. The
 * store learns that a job ended from its expiry (`expiresAt` is set only once a job ended); a job
 * that ended unseen, during a visit to the gallery, just gets a cancel the server refuses.
 */
export function shouldCancelOnLeave(run: Run | null): run is Run & { cancelToken: string } {
  return run !== null && !run.signedIn && run.cancelToken !== null && !run.expired && run.expiresAt === null;
}

interface LeaveOptions {
  /** Where pagehide is listened for. @default window */
  target?: Pick<Window, 'addEventListener' | 'removeEventListener'>;
  /** @default the browser's fetch */
  fetcher?: typeof fetch;
}

/**
 * Cancels the editor's anonymous job when the page goes away (closed, or left for another site),
 * so that the queue does not run work whose result nobody will see. Installed once per page, not
 * by the editor's component: a visit to the gallery unmounts the editor but is no leaving, and
 * leaving from the gallery still cancels. pagehide, not unload: it also fires where the page may
 * be kept in the back/forward cache, and mobile browsers fire it when they discard a tab. A reload
 * fires it too (the browser does not say which it is), so a reload cancels the job as well; the
 * page then shows it cancelled, with "Convert again". Returns the uninstall.
 */
export function cancelOnLeave(editor: EditorStore, options: LeaveOptions = {}): () => void {
  const target = options.target ?? window;
  const onPageHide = () => {
    const { run } = editor.state;
    if (!shouldCancelOnLeave(run)) return;
    sendCancelOnLeave(options.fetcher ?? fetch.bind(globalThis), run.jobId, run.cancelToken);
  };
  target.addEventListener('pagehide', onPageHide);
  return () => target.removeEventListener('pagehide', onPageHide);
}
