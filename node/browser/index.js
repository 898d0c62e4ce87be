// index.js: ruvector in the browser, the package's `browser` entry
// (node/package.json's exports): `import { VectorDB, Collection, Database }
// from 'ruvector'` in a page or bundler. The engine, the C core compiled to
// WebAssembly, runs in a dedicated Web Worker (worker.js); these classes
// run on the page's thread and send it one message per call. See
// web/README.md for the design; no Node built-ins are used here.
import { VectorDB } from './vectordb.js';
import { Collection } from './collection.js';
import { Database } from './database.js';

export { VectorDB, Collection, Database };
export { pickVariant, hasSimd } from './features.js';
export default { VectorDB, Collection, Database };
