import type { Session } from '@pixelflow/product';
import { createContext, type ReactNode, useContext, useSyncExternalStore } from 'react';
import type { JobTransport } from '../features/editor/job/job-transport.ts';
import type { EditorStore } from '../features/editor/state/editor-store.ts';
import type { SessionManager, SessionStatus } from './session.ts';

export interface Api {
  session: SessionManager;
  jobs: JobTransport;
  /** The editor's photo, settings and last run, kept while the person visits other pages. */
  editor: EditorStore;
}

const ApiContext = createContext<Api | null>(null);

export function ApiProvider({ api, children }: { api: Api; children: ReactNode }) {
  return <ApiContext value={api}>{children}</ApiContext>;
}

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi needs an <ApiProvider> above it');
  return api;
}

/** The sign-in as it is now; re-renders on every change. */
export function useSession(): { session: Session | null; status: SessionStatus; manager: SessionManager } {
  const { session: manager } = useApi();
  const session = useSyncExternalStore(
    (listener) => manager.subscribe(listener),
    () => manager.session,
  );
  const status = useSyncExternalStore(
    (listener) => manager.subscribe(listener),
    () => manager.status,
  );
  return { session, status, manager };
}
