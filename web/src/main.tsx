import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClients } from './api/client.ts';
import { ApiProvider } from './api/context.tsx';
import { SessionManager } from './api/session.ts';
import { App } from './app.tsx';
import { apolloJobTransport } from './features/editor/job/job-transport.ts';
import { ErrorBoundary } from './lib/error-boundary.tsx';
import './styles.css';

const session = new SessionManager();
const { apollo, onSocketTrouble } = createApiClients(session);
const api = { session, jobs: apolloJobTransport(apollo, onSocketTrouble) };

// Another person's data must not outlive their sign-in: a new user starts from an empty cache.
let userId = session.session?.user.id ?? null;
session.subscribe(() => {
  const next = session.session?.user.id ?? null;
  if (next === userId) return;
  userId = next;
  void apollo.resetStore().catch(() => undefined);
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
