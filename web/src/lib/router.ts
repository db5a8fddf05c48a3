import { type MouseEvent, useSyncExternalStore } from 'react';

/**
 * History routes without a router library: the app has three pages, and the gateway serves
 * index.html for each of their paths, so a reload or a shared link lands on the right one.
 */
export type Route = '/' | '/gallery' | '/account';

const routes: readonly Route[] = ['/', '/gallery', '/account'];
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

export function currentRoute(): Route {
  const path = window.location.pathname.replace(/\/+$/, '') || '/';
  return routes.includes(path as Route) ? (path as Route) : '/';
}

export function navigate(route: Route): void {
  if (currentRoute() === route && window.location.pathname === route) return;
  window.history.pushState(null, '', route);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, currentRoute);
}

/** For an <a href>: plain clicks navigate in place, modified ones (new tab) stay the browser's. */
export function linkTo(route: Route) {
  return {
    href: route,
    onClick(event: MouseEvent<HTMLAnchorElement>) {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      navigate(route);
    },
  };
}
