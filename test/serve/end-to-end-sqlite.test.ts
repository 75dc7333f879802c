import { join } from 'node:path';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { serviceEndToEnd } from './end-to-end.js';
import { tempDir } from './helpers.js';

serviceEndToEnd('sqlite', async () => new SqliteEventStore(join(tempDir(), 'events.sqlite')));
