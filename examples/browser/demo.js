// demo.js: the browser demo (examples/browser/, `make browser-demo`).
//
// Loads up to 10,000 of the 384-d word vectors (../shared/data's
// words-384-cos-50k, cut by examples/browser/prepare.sh into
// build/web/demo/words.fvecs), or generates a clustered set of the same
// shape without them, into a VectorDB stored in OPFS under "words-demo".
// A reload finds it there and skips loading. The data set has no word list,
// so a query is a vector's number; the answer is its nearest neighbours and
// the search's latency as the page sees it (worker round trip included).
import { VectorDB } from '../../node/browser/index.js';

const DIM = 384;
const N = 10000;
const $ = (id) => document.getElementById(id);
const status = (s) => { $('status').textContent = s; };

function parseFvecs(buf, max) {
  const dv = new DataView(buf);
  const dim = dv.getInt32(0, true);
  const n = Math.min(max, Math.floor(buf.byteLength / (4 + dim * 4)));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) out.set(new Float32Array(buf.slice(i * (4 + dim * 4) + 4, (i + 1) * (4 + dim * 4))), i * dim);
  return { dim, n, data: out };
}

function generated(n, dim) {
  let s = 12345;
  const r = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 * 2 - 1; };
  const centres = Array.from({ length: 50 }, () => Float32Array.from({ length: dim }, r));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[i % 50];
    for (let j = 0; j < dim; j++) out[i * dim + j] = c[j] + 0.3 * r();
  }
  return { dim, n, data: out };
}

// m 16 and efConstruction 100: a quicker first load than the 0.3.2 defaults (32, 200)
let db = new VectorDB({ dimensions: DIM, metric: 'cosine', storagePath: 'words-demo', hnsw: { m: 16, efConstruction: 100, efSearch: 64 } });
let source = 'stored';

async function load() {
  await db.ready();
  const info = db.engineInfo;
  let count = await db.len();
  if (count === 0) {
    let set;
    try {
      const res = await fetch('../../build/web/demo/words.fvecs');
      if (!res.ok) throw new Error(String(res.status));
      set = parseFvecs(await res.arrayBuffer(), N);
      source = 'word vectors';
    } catch {
      set = generated(N, DIM);
      source = 'generated vectors (run prepare.sh for the word vectors)';
    }
    const t0 = performance.now();
    for (let at = 0; at < set.n; at += 2000) {
      const entries = [];
      for (let i = at; i < Math.min(set.n, at + 2000); i++) entries.push({ id: String(i), vector: set.data.subarray(i * DIM, (i + 1) * DIM) });
      await db.insertBatch(entries);
      status(`loading ${source}: ${Math.min(set.n, at + 2000)} / ${set.n}…`);
    }
    await db.checkpoint();
    count = await db.len();
    status(`loaded ${count} ${source} in ${((performance.now() - t0) / 1000).toFixed(1)} s. `);
  } else {
    status(`found ${count} vectors stored in OPFS from an earlier visit. `);
  }
  const st = await db.stats();
  $('status').textContent += `Build: ${info.variant} (${info.isa}); storage: ${info.storage}; ` +
    `${Math.round((st.memoryBytes + st.mappedBytes) / Math.max(1, st.count))} bytes per vector ` +
    `(vectors, graph, ids); WebAssembly memory ${(st.heapBytes / 2 ** 20).toFixed(0)} MiB.`;
  $('q').max = String(count - 1);
}

async function search(id) {
  const v = await db.get(String(id));
  if (!v) {
    $('out').textContent = `no vector ${id}`;
    return;
  }
  const t0 = performance.now();
  const hits = await db.search({ vector: v.vector, k: 10, exact: $('exact').checked, withVectors: false });
  const ms = performance.now() - t0;
  $('out').innerHTML = `<p>${hits.length} neighbours of ${id} in ${ms.toFixed(2)} ms</p><table><tr><th>id</th><th>cosine distance</th></tr>` +
    hits.map((h) => `<tr><td>${h.id}</td><td>${h.score.toFixed(4)}</td></tr>`).join('') + '</table>';
}

$('f').onsubmit = (e) => { e.preventDefault(); search(Number($('q').value)).catch((err) => status(String(err))); };
$('rnd').onclick = () => { $('q').value = String(Math.floor(Math.random() * (Number($('q').max) + 1))); $('f').requestSubmit(); };
$('wipe').onclick = async () => {
  await db.close();
  const root = await navigator.storage.getDirectory();
  await (await root.getDirectoryHandle('ruvector')).removeEntry(encodeURIComponent('words-demo'), { recursive: true });
  status('deleted; reload the page to load it again.');
};
load().catch((e) => status(`error: ${e.code ?? ''} ${e.message}`));
