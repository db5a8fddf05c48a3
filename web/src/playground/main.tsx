import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './playground.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createClient } from 'graphql-ws';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { socketUrl } from '../api/client.ts';
import { SessionManager } from '../api/session.ts';

// The editor's sign-in carries over: the refresh cookie is shared, so this page restores a session
// of its own (serialized with the editor's tabs through the same lock) and sends its token.
const session = new SessionManager();
const ready = session.restore();

const authorization = async (): Promise<Record<string, string>> => {
  await ready;
  const token = await session.accessToken();
  return token ? { authorization: `Bearer ${token}` } : {};
};

const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  headers: { 'Apollo-Require-Preflight': 'true' },
  fetch: async (input, init) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(await authorization())) headers.set(name, value);
    return fetch(input, { ...init, headers });
  },
  wsClient: createClient({ url: socketUrl(), lazy: true, connectionParams: authorization }),
});

const defaultQuery = `# Pixelflow's API. Ctrl/Cmd+Enter runs the operation; the book icon opens the docs.
# Signed in to the editor in this browser? Then \`me\` answers for you here too, e.g.
#   query { me { email images(first: 5) { edges { node { id kind thumbnailUrl } } } } }
# Follow a job (start one in the editor, then use its id):
#   subscription { jobUpdated(id: "…") { status progress resultUrl } }

query Converters {
  converters {
    id
    title
    healthy
  }
}
`;

function Playground() {
  return (
    <GraphiQL fetcher={fetcher} defaultQuery={defaultQuery} defaultEditorToolsVisibility="variables">
      <GraphiQL.Logo>
        <a href="/" className="playground-home">
          Pixelflow
        </a>
      </GraphiQL.Logo>
    </GraphiQL>
  );
}

/**
 * GraphiQL marks each tab up as role="tab" holding two buttons (select and close), which nests
 * interactive controls (axe: nested-interactive, serious) and leaves screen readers a tab they
 * cannot operate. Shown here as what the tabs are: a list of buttons, the active one marked
 * aria-current. React sets only what changes, so removed roles stay removed; aria-selected, which
 * it sets again on a switch, becomes aria-current each time.
 */
function plainTabs(): void {
  for (const list of document.querySelectorAll('.graphiql-tabs[role="tablist"]'))
    list.removeAttribute('role');
  for (const tab of document.querySelectorAll('.graphiql-tab')) {
    if (tab.getAttribute('role') === 'tab') tab.removeAttribute('role');
    if (!tab.hasAttribute('aria-selected')) continue;
    const active = tab.getAttribute('aria-selected') === 'true';
    tab.removeAttribute('aria-selected');
    tab.querySelector('.graphiql-tab-button')?.setAttribute('aria-current', String(active));
  }
}
new MutationObserver(plainTabs).observe(document.body, {
  subtree: true,
  childList: true,
  attributes: true,
  attributeFilter: ['role', 'aria-selected'],
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Playground />
  </StrictMode>,
);
