/**
 * Try it: recommendations for a stored user (by id), for an anonymous session
 * built by searching items by title, and items similar to any item — each
 * with titles, categories, the score and the response's source.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type FoundItem, type Recommendations } from '../api';
import { fixed, when } from '../format';
import { useApi } from '../use-api';

type Asked = 'user' | 'session' | 'similar';

function sourceMeaning(source: Recommendations['source'], asked: Asked): string {
  if (source === 'popular') return asked === 'similar' ? 'recent popularity: no model is loaded' : 'recent popularity: no model, or nothing known of this visitor';
  if (asked === 'similar') return "the model's scores for a visitor who has seen only this item";
  if (source === 'sequence') return 'the events given or stored, in their order up to now, scored by the sequence model (no retraining)';
  if (source === 'user-attributes') return "no history yet: the user's stored attributes (age, gender, ...) encoded by the model (user cold start)";
  return source === 'model' ? 'the model was trained on this user' : 'a row built from the events given or stored, scored by the model (no retraining)';
}

const titleOf = (attributes: Record<string, unknown> | undefined, id: string): string => {
  const title = attributes?.['title'] ?? attributes?.['name'];
  return typeof title === 'string' ? title : id;
};

/** A recommendation response as a table, categories looked up for the items shown. */
function Results({ result, asked, testId, onSimilar }: { result: Recommendations; asked: Asked; testId: string; onSimilar: (item: { id: string; title: string }) => void }) {
  const [categories, setCategories] = useState<Record<string, string[]>>({});
  useEffect(() => {
    if (result.items.length === 0) return;
    let live = true;
    api.lookupItems(result.items.map((i) => i.id)).then(
      ({ items }) => live && setCategories(Object.fromEntries(items.map((i) => [i.id, i.categories]))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [result]);
  return (
    <div data-testid={testId}>
      <p>
        <span class={`badge source-${result.source}`} data-testid="source">{result.source}</span>{' '}
        <span class="muted">{sourceMeaning(result.source, asked)}; model version {result.modelVersion ?? 'none'}</span>
      </p>
      {result.unknownItems && result.unknownItems.length > 0 && <p class="muted">Not in the model's catalogue: {result.unknownItems.join(', ')}</p>}
      {result.items.length === 0 ? (
        <p class="muted">Nothing to recommend.</p>
      ) : (
        <table class="grid">
          <thead>
            <tr><th>#</th><th>title</th><th>id</th><th>categories</th><th>score</th><th /></tr>
          </thead>
          <tbody>
            {result.items.map((item, rank) => (
              <tr key={item.id} data-testid="recommended-item">
                <td>{rank + 1}</td>
                <td class="title">{titleOf(item.attributes, item.id)}</td>
                <td><code>{item.id}</code></td>
                <td>{(categories[item.id] ?? []).join(', ')}</td>
                <td class="number">{fixed(item.score)}</td>
                <td><button class="link" onClick={() => onSimilar({ id: item.id, title: titleOf(item.attributes, item.id) })}>similar</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function UserPanel({ onSimilar }: { onSimilar: (item: { id: string; title: string }) => void }) {
  const [userId, setUserId] = useState('');
  const [result, setResult] = useState<Recommendations | undefined>(undefined);
  const [history, setHistory] = useState<{ itemId: string; title: string; type: string; timestampMs: number }[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  const someUsers = useApi(() => api.users(8));
  const recommend = async (id: string) => {
    setUserId(id);
    setError(undefined);
    try {
      const [recommendations, events] = await Promise.all([api.userRecommendations(id, 10), api.userEvents(id, 20)]);
      const titles = events.events.length > 0 ? await api.lookupItems([...new Set(events.events.map((e) => e.itemId))]) : { items: [] };
      const titleById = new Map(titles.items.map((i) => [i.id, i.title ?? i.id]));
      setResult(recommendations);
      setHistory(events.events.map((e) => ({ itemId: e.itemId, title: titleById.get(e.itemId) ?? e.itemId, type: e.type, timestampMs: e.timestampMs })));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div class="panel">
      <h3>For a user</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (userId.trim() !== '') void recommend(userId.trim());
        }}
      >
        <input name="user" placeholder="user id" value={userId} onInput={(e) => setUserId((e.currentTarget as HTMLInputElement).value)} data-testid="user-input" />{' '}
        <button type="submit" data-testid="user-submit">Recommend</button>
      </form>
      {someUsers.data && (
        <p class="muted">
          Some users:{' '}
          {someUsers.data.users.map((u) => (
            <button key={u.id} class="chip" type="button" onClick={() => void recommend(u.id)}>{u.id}</button>
          ))}
        </p>
      )}
      {error && <p class="error">{error}</p>}
      {result && <Results result={result} asked="user" testId="user-results" onSimilar={onSimilar} />}
      {result && history.length > 0 && (
        <details>
          <summary>Their first {history.length} stored events</summary>
          <ul class="history">
            {history.map((h, i) => (
              <li key={i}>{h.title} <span class="muted">({h.type}, {when(new Date(h.timestampMs).toISOString())})</span></li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function SessionPanel({ onSimilar }: { onSimilar: (item: { id: string; title: string }) => void }) {
  const [text, setText] = useState('');
  const [found, setFound] = useState<FoundItem[]>([]);
  const [session, setSession] = useState<FoundItem[]>([]);
  const [result, setResult] = useState<Recommendations | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (text.trim() === '') {
      setFound([]);
      return undefined;
    }
    let live = true;
    const timer = setTimeout(() => {
      api.searchItems(text.trim(), 10).then(
        ({ items }) => live && setFound(items),
        (e: Error) => live && setError(e.message),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text]);
  const recommend = async () => {
    setError(undefined);
    try {
      setResult(await api.sessionRecommendations(session.map((i) => i.id), 10));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div class="panel">
      <h3>For an anonymous session</h3>
      <input placeholder="search items by title" value={text} onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} data-testid="item-search" />
      {found.length > 0 && (
        <ul class="found" data-testid="search-results">
          {found.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                class="link"
                disabled={session.some((s) => s.id === item.id)}
                onClick={() => setSession((s) => [...s, item])}
              >
                + {item.title ?? item.id}
              </button>{' '}
              <span class="muted">{item.id}{item.categories.length > 0 ? ` · ${item.categories.join(', ')}` : ''}</span>
            </li>
          ))}
        </ul>
      )}
      <p>
        Session:{' '}
        {session.length === 0 ? (
          <span class="muted">add items from the search</span>
        ) : (
          session.map((item) => (
            <button key={item.id} class="chip" type="button" title="remove" onClick={() => setSession((s) => s.filter((x) => x.id !== item.id))}>
              {item.title ?? item.id} ×
            </button>
          ))
        )}
      </p>
      <button type="button" disabled={session.length === 0} onClick={() => void recommend()} data-testid="session-submit">Recommend for this session</button>
      {error && <p class="error">{error}</p>}
      {result && <Results result={result} asked="session" testId="session-results" onSimilar={onSimilar} />}
    </div>
  );
}

function SimilarPanel({ item, onSimilar }: { item: { id: string; title: string }; onSimilar: (item: { id: string; title: string }) => void }) {
  const similar = useApi(() => api.similarItems(item.id, 10), [item.id]);
  return (
    <div class="panel" data-testid="similar-panel">
      <h3>Similar to {item.title} <span class="muted">({item.id})</span></h3>
      {similar.error && <p class="error">{similar.error}</p>}
      {similar.data && <Results result={similar.data} asked="similar" testId="similar-results" onSimilar={onSimilar} />}
    </div>
  );
}

export function TryItPage() {
  const [similarTo, setSimilarTo] = useState<{ id: string; title: string } | undefined>(undefined);
  return (
    <section data-testid="page-try">
      <h2>Try it</h2>
      <div class="columns">
        <UserPanel onSimilar={setSimilarTo} />
        <SessionPanel onSimilar={setSimilarTo} />
      </div>
      {similarTo && <SimilarPanel item={similarTo} onSimilar={setSimilarTo} />}
    </section>
  );
}
