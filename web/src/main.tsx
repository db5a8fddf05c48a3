import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClients } from './api/client.ts';
import { ApiProvider } from './api/context.tsx';
import { SessionManager } from './api/session.ts';
import { App } from './app.tsx';
import { cancelOnLeave } from './features/editor/job/cancel-on-leave.ts';
import { apolloJobTransport } from './features/editor/job/job-transport.ts';
import { EditorStore } from './features/editor/state/editor-store.ts';
import { browserSessionStorage } from './features/editor/state/stored-editor.ts';
import { ErrorBoundary } from './lib/error-boundary.tsx';
import './styles.css';

const session = new SessionManager();
const { apollo, onSocketTrouble } = createApiClients(session);
const editor = new EditorStore(browserSessionStorage());
const api = { session, jobs: apolloJobTransport(apollo, onSocketTrouble), editor };
// An anonymous job nobody will see finish is cancelled when the page goes (not on in-app visits).
cancelOnLeave(editor);

// A person's data must not outlive their sign-in: after a sign-out (or a switch to another
// account) the cache starts empty, and so does the editor (their photo, settings and result). Signing in, or the session coming back on load, leaves nothing
// private behind, so it resets nothing: a reset then would refetch the gallery the page is loading,
// and re-render it under a user's first click.
let userId = session.session?.user.id ?? null;
session.subscribe(() => {
  const next = session.session?.user.id ?? null;
  if (next === userId) return;
  const previous = userId;
  userId = next;
  if (previous === null) return;
  void apollo.resetStore().catch(() => undefined);
  editor.clear();
});
void session.restore();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary what="Pixelflow">
      <ApiProvider api={api}>
        <ApolloProvider client={apollo}>
          <App />
        </ApolloProvider>
      </ApiProvider>
    </ErrorBoundary>
  </StrictMode>,
);
