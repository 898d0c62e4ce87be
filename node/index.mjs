// ESM entry: the same objects as the CommonJS entry.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ruvector = require('./index.js');

export const { VectorDB, VectorDb, Collection, Database, GraphDatabase, version, isa, HNSW_DEFAULTS } = ruvector;
export default ruvector;
