import { lazy, Suspense } from 'react';
import { useSession } from './api/context.tsx';
import { AccountPage } from './features/auth/account-page.tsx';
import { EditorPage } from './features/editor/editor-page.tsx';
import { ErrorBoundary } from './lib/error-boundary.tsx';
import { linkTo, type Route, useRoute } from './lib/router.ts';

// Only signed-in people open it; the editor's first load does without its code.
const GalleryPage = lazy(() => import('./features/gallery/gallery-page.tsx'));

const titles: Record<Route, string> = {
  '/': 'Convert a photo',
  '/gallery': 'Gallery',
  '/account': 'Account',
};

export function App() {
  const route = useRoute();
  const { session, manager } = useSession();
  const navLink = (to: Route, text: string) => (
    <a {...linkTo(to)} aria-current={route === to ? 'page' : undefined}>
      {text}
    </a>
  );
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <a className="brand" {...linkTo('/')}>
          <span className="brand-mark" aria-hidden="true" />
          Pixelflow
        </a>
        <nav aria-label="Main">
          {navLink('/', 'Editor')}
          {navLink('/gallery', 'Gallery')}
          <a href="/playground">Playground</a>
          {session ? (
            <>
              {navLink('/account', session.user.email)}
              <button type="button" className="link" onClick={() => void manager.signOut()}>
                Sign out
              </button>
            </>
          ) : (
            navLink('/account', 'Sign in')
          )}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <h1 className={route === '/' ? undefined : 'visually-hidden'}>{titles[route]}</h1>
        <ErrorBoundary key={route}>
          {route === '/' && <EditorPage />}
          {route === '/account' && <AccountPage />}
          {route === '/gallery' && (
            <Suspense fallback={<p role="status">Loading the gallery…</p>}>
              <GalleryPage />
            </Suspense>
          )}
        </ErrorBoundary>
      </main>
    </>
  );
}
