import { lazy, Suspense, useState, type FormEvent, type ReactNode } from 'react';
import { hasSession, signOut } from './components/login-gate';
import { Loading } from './components/status-views';
import { normaliseTraceId } from './model/search-state';
import { LogsPage } from './pages/logs-page';
import { SearchPage } from './pages/search-page';
import { TracePage } from './pages/trace-page';
import { Link, navigate, useLocation } from './router';
import { useTheme } from './theme';

// The service map (its page and layout code) loads when first visited, not with every search.
const ServiceMapPage = lazy(async () => ({ default: (await import('./pages/service-map-page')).ServiceMapPage }));
const ServicesPage = lazy(async () => ({ default: (await import('./pages/services-page')).ServicesPage }));
const AlertsPage = lazy(async () => ({ default: (await import('./pages/alerts-page')).AlertsPage }));
const ExplorePage = lazy(async () => ({ default: (await import('./pages/explore-page')).ExplorePage }));
const ComparePage = lazy(async () => ({ default: (await import('./pages/compare-page')).ComparePage }));
const ServicePage = lazy(async () => ({ default: (await import('./pages/services-page')).ServicePage }));

export function App(): ReactNode {
  const location = useLocation();
  const [theme, toggleTheme] = useTheme();
  const traceMatch = /^\/trace\/([^/]+)\/?$/.exec(location.pathname);
  const serviceMatch = /^\/services\/([^/]+)\/?$/.exec(location.pathname);
  let page: ReactNode;
  if (location.pathname === '/' || location.pathname === '/search') page = <SearchPage location={location} />;
  else if (location.pathname === '/logs') page = <LogsPage location={location} />;
  else if (location.pathname === '/map')
    page = (
      <Suspense fallback={<Loading what="the service map" />}>
        <ServiceMapPage location={location} />
      </Suspense>
    );
  else if (location.pathname === '/services')
    page = (
      <Suspense fallback={<Loading what="services" />}>
        <ServicesPage location={location} />
      </Suspense>
    );
  else if (location.pathname === '/alerts')
    page = (
      <Suspense fallback={<Loading what="alerts" />}>
        <AlertsPage location={location} />
      </Suspense>
    );
  else if (location.pathname === '/explore')
    page = (
      <Suspense fallback={<Loading what="Explore" />}>
        <ExplorePage location={location} />
      </Suspense>
    );
  else if (location.pathname === '/compare')
    page = (
      <Suspense fallback={<Loading what="the comparison" />}>
        <ComparePage location={location} />
      </Suspense>
    );
  else if (serviceMatch)
    page = (
      <Suspense fallback={<Loading what="the service" />}>
        <ServicePage service={decodeURIComponent(serviceMatch[1]!)} location={location} />
      </Suspense>
    );
  else if (traceMatch) page = <TracePage traceId={decodeURIComponent(traceMatch[1]!)} location={location} />;
  else
    page = (
      <div className="notice">
        No page at <code>{location.pathname}</code>. <Link to="/search">Search traces</Link>
      </div>
    );
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/search" className="brand" aria-label="Skein home">
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path d="M3 6h13M6 12h15M3 18h10" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
          </svg>
          Skein
        </Link>
        <nav className="topnav">
          <Link to="/search" className={location.pathname !== '/search' && location.pathname !== '/' ? '' : 'active'}>
            Search
          </Link>
          <Link to="/explore" className={location.pathname === '/explore' || location.pathname === '/compare' ? 'active' : ''}>
            Explore
          </Link>
          <Link to="/services" className={location.pathname.startsWith('/services') ? 'active' : ''}>
            Services
          </Link>
          <Link to="/map" className={location.pathname === '/map' ? 'active' : ''}>
            Service map
          </Link>
          <Link to="/alerts" className={location.pathname === '/alerts' ? 'active' : ''}>
            Alerts
          </Link>
          <Link to="/logs" className={location.pathname === '/logs' ? 'active' : ''}>
            Logs
          </Link>
        </nav>
        <TraceLookup />
        {hasSession() && (
          <button type="button" className="icon-button" onClick={signOut} title="Sign out (forget the API token)" aria-label="Sign out">
            ⎋
          </button>
        )}
        <button
          type="button"
          className="icon-button"
          onClick={toggleTheme}
          title={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          aria-label="Toggle colour theme"
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </header>
      <main className="page">{page}</main>
    </div>
  );
}

function TraceLookup(): ReactNode {
  const [value, setValue] = useState('');
  const [invalid, setInvalid] = useState(false);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const id = normaliseTraceId(value);
    setInvalid(id === undefined);
    if (id !== undefined) {
      setValue('');
      navigate(`/trace/${id}`);
    }
  };
  return (
    <form className="lookup" onSubmit={submit} role="search">
      <input
        value={value}
        onChange={(event) => {
          setValue(event.target.value);
          setInvalid(false);
        }}
        placeholder="Look up trace ID…"
        aria-label="Trace ID"
        aria-invalid={invalid}
        spellCheck={false}
        className={invalid ? 'invalid' : ''}
        title={invalid ? 'A trace ID is 1 to 32 hex digits' : 'Open a trace by its ID'}
      />
    </form>
  );
}
