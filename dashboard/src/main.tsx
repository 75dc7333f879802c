/** The dashboard shell: the API key entry (kept in sessionStorage), navigation by URL hash, and the four pages. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiCallError, storedKey, storeKey, type Access } from './api';
import { EvaluationsPage } from './pages/evaluations';
import { ModelsPage } from './pages/models';
import { OverviewPage } from './pages/overview';
import { TryItPage } from './pages/try-it';
import './style.css';

const PAGES = [
  { hash: 'overview', title: 'Overview' },
  { hash: 'models', title: 'Models' },
  { hash: 'evaluations', title: 'Evaluations' },
  { hash: 'try', title: 'Try it' },
] as const;
type PageName = (typeof PAGES)[number]['hash'];

const pageFromHash = (): PageName => {
  const name = location.hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.hash === name)?.hash ?? 'overview';
};

function KeyForm({ onAccess, problem }: { onAccess: (access: Access) => void; problem?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(problem);
  const submit = async () => {
    setError(undefined);
    try {
      const { access } = await api.keyAccess(key.trim());
      storeKey(key.trim());
      onAccess(access);
    } catch (e) {
      setError(e instanceof ApiCallError && e.status === 401 ? 'That key is not valid here.' : (e as Error).message);
    }
  };
  return (
    <form
      class="key-form panel"
      data-testid="key-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (key.trim() !== '') void submit();
      }}
    >
      <h2>API key</h2>
      <p class="muted">
        The dashboard reads the service with your key (the <code>--api-key</code> or <code>--admin-key</code> of <code>recoder serve</code>). A read key sees everything; an admin key may also roll back and train. The key stays in this tab's session storage.
      </p>
      <input type="password" name="key" autocomplete="off" placeholder="X-API-Key" value={key} onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)} data-testid="key-input" />{' '}
      <button type="submit" data-testid="key-submit">Open</button>
      {error && <p class="error">{error}</p>}
    </form>
  );
}

function App() {
  const [page, setPage] = useState<PageName>(pageFromHash());
  const [access, setAccess] = useState<Access | null>(null);
  const [checking, setChecking] = useState(storedKey() !== null);
  const [problem, setProblem] = useState<string | undefined>(undefined);

  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const key = storedKey();
    if (key === null) return;
    api.keyAccess(key).then(
      ({ access }) => {
        setAccess(access);
        setChecking(false);
      },
      (e: Error) => {
        storeKey(null);
        setProblem(`The saved key no longer works: ${e.message}`);
        setChecking(false);
      },
    );
  }, []);

  const forget = () => {
    storeKey(null);
    setAccess(null);
  };

  return (
    <>
      <header>
        <h1>recoder</h1>
        {access !== null && (
          <nav>
            {PAGES.map((p) => (
              <a key={p.hash} href={`#/${p.hash}`} class={p.hash === page ? 'active' : ''} data-testid={`nav-${p.hash}`}>
                {p.title}
              </a>
            ))}
          </nav>
        )}
        {access !== null && (
          <span class="key-state">
            <span class="badge" data-testid="access">{access} key</span> <button class="link" onClick={forget}>forget key</button>
          </span>
        )}
      </header>
      <main>
        {checking ? (
          <p class="muted">Checking the saved key…</p>
        ) : access === null ? (
          <KeyForm onAccess={setAccess} {...(problem !== undefined ? { problem } : {})} />
        ) : page === 'overview' ? (
          <OverviewPage />
        ) : page === 'models' ? (
          <ModelsPage access={access} />
        ) : page === 'evaluations' ? (
          <EvaluationsPage access={access} />
        ) : (
          <TryItPage />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
