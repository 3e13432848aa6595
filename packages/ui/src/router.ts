import { createElement, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

/**
 * A tiny history-API router: the app has a handful of URLs (`/`, `/search`, `/trace/<id>`, `/map`), which does not
 * justify a routing library in the bundle. The URL is the state: pages read it, links push it.
 */
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

function currentHref(): string {
  return window.location.pathname + window.location.search;
}

export interface Location {
  pathname: string;
  search: string;
  params: URLSearchParams;
}

let cached: { href: string; location: Location } | undefined;

/** The current location; components re-render when it changes. */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, currentHref);
  if (cached?.href !== href) {
    const url = new URL(href, window.location.origin);
    cached = { href, location: { pathname: url.pathname, search: url.search, params: url.searchParams } };
  }
  return cached.location;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === currentHref()) {
    // Same URL: still notify, so "search again" re-runs the query.
    for (const listener of listeners) listener();
    return;
  }
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: string;
  replace?: boolean;
  children?: ReactNode;
}

/** An anchor that navigates in-app on a plain click and behaves natively otherwise (new tab etc.). */
export function Link({ to, replace, onClick, ...rest }: LinkProps): ReactNode {
  const handleClick = (event: MouseEvent<HTMLAnchorElement>): void => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to, replace ? { replace } : {});
  };
  return createElement('a', { ...rest, href: to, onClick: handleClick });
}
