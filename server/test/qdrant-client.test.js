// qdrant-client.test.js: Qdrant's official REST client (@qdrant/js-client-rest,
// pinned in package.json) drives `ruvector serve` through every call the
// server implements, on 10,000 points with nested payloads; filtered
// searches, scrolls and counts are checked against an exact scan computed
// here with Qdrant's filter semantics (helpers.js), not against the server.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { QdrantClient } = require('@qdrant/js-client-rest');
const { startServer, rng, matches, idOrder } = require('./helpers.js');

const N = 10000, DIM = 16;
const CITIES = ['oslo', 'lima', 'rome', 'kyiv', 'baku', 'doha', 'riga', 'suva', 'apia', 'male'];
const TAGS = ['red', 'green', 'blue', 'cyan', 'gold'];
const NAMES = ['ada', 'alan', 'grace', 'edsger', 'barbara'];

function uuidOf(i) {
	const h = (i * 2654435761 >>> 0).toString(16).padStart(8, '0');
	return `${h}-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

// The data set: ids are integers, every tenth a UUID; payloads nest.
function makePoints() {
	const r = rng(42);
	const pts = [];
	for (let i = 0; i < N; i++) {
		const vector = Array.from({ length: DIM }, () => r() * 2 - 1);
		const payload = {
			city: CITIES[Math.floor(r() * CITIES.length)],
			n: Math.floor(r() * 100),
			price: Math.round(r() * 10000) / 100,
			tags: TAGS.filter(() => r() < 0.3),
			meta: { author: { name: NAMES[Math.floor(r() * NAMES.length)] }, level: Math.floor(r() * 5) },
			items: Array.from({ length: Math.floor(r() * 3) }, () => ({ sku: `s${Math.floor(r() * 20)}`, qty: Math.floor(r() * 10) })),
			title: `item ${i} of ${CITIES[i % 10]}`,
		};
		if (i % 7 === 0) payload.note = null;
		else if (i % 7 === 1) payload.note = 'x';
		pts.push({ id: i % 10 === 0 ? uuidOf(i) : i, vector, payload });
	}
	return pts;
}

const cosine = (a, b) => {
	let s = 0, na = 0, nb = 0;
	for (let i = 0; i < a.length; i++) { s += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
	return s / Math.sqrt(na * nb);
};

// Check a search answer against the exact top k of the matching points:
// the right number, distinct, each at least as close as the k-th exact
// one (float32 ties aside), scores as Qdrant's cosine.
function checkTopK(hits, points, query, filter, k, label) {
	const exact = points.filter((p) => matches(filter, p.payload, p.id))
		.map((p) => ({ id: p.id, s: cosine(query, p.vector) }))
		.sort((a, b) => b.s - a.s);
	assert.equal(hits.length, Math.min(k, exact.length), `${label}: number of hits`);
	const byId = new Map(exact.map((e) => [String(e.id), e.s]));
	const kth = exact.length ? exact[Math.min(k, exact.length) - 1].s : 0;
	const seen = new Set();
	for (const h of hits) {
		assert.ok(byId.has(String(h.id)), `${label}: ${h.id} does not match the filter`);
		assert.ok(!seen.has(String(h.id)), `${label}: ${h.id} twice`);
		seen.add(String(h.id));
		assert.ok(Math.abs(h.score - byId.get(String(h.id))) < 1e-4, `${label}: score of ${h.id}`);
		assert.ok(byId.get(String(h.id)) >= kth - 1e-5, `${label}: ${h.id} is not among the ${k} nearest`);
	}
	return exact;
}

const FILTERS = [
	{ must: [{ key: 'city', match: { value: 'oslo' } }] },
	{ must: [{ key: 'meta.author.name', match: { any: ['ada', 'grace'] } }, { key: 'n', range: { gte: 10, lt: 60 } }] },
	{ should: [{ key: 'tags', match: { value: 'gold' } }, { key: 'price', range: { lte: 5 } }] },
	{ must_not: [{ key: 'city', match: { any: ['oslo', 'lima', 'rome'] } }], must: { key: 'meta.level', range: { gt: 2 } } },
	{ must: [{ key: 'city', match: { except: ['oslo', 'lima', 'rome', 'kyiv', 'baku'] } }] },
	{ must: [{ key: 'title', match: { text: 'of riga' } }] },
	{ must: [{ is_empty: { key: 'note' } }] },
	{ must: [{ is_null: { key: 'note' } }] },
	{ must: [{ is_empty: { key: 'tags' } }, { key: 'n', range: { lt: 30 } }] },
	{ must: [{ has_id: [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, uuidOf(10), uuidOf(20)] }] },
	{ must: [{ key: 'n', range: { lt: 50 } }], must_not: [{ has_id: [1, 2, 3, 4, 5, 6, 7, 8, 9, 11] }] },
	{ min_should: { conditions: [{ key: 'city', match: { value: 'doha' } }, { key: 'tags', match: { value: 'red' } },
		{ key: 'meta.level', range: { gte: 3 } }], min_count: 2 } },
	{ must: [{ nested: { key: 'items', filter: { must: [{ key: 'sku', match: { value: 's3' } }, { key: 'qty', range: { gte: 5 } }] } } }] },
	{ must: [{ key: 'items[].sku', match: { value: 's7' } }] },
	{ should: [{ must: [{ key: 'city', match: { value: 'suva' } }, { key: 'tags', match: { value: 'blue' } }] },
		{ must_not: [{ key: 'n', range: { gte: 2 } }] }] },
];

test('Qdrant JS client against ruvector serve', { timeout: 600000 }, async (t) => {
	const srv = await startServer(['--quiet']);
	t.after(() => srv.stop());
	const client = new QdrantClient({ url: srv.url, checkCompatibility: false });
	const points = makePoints();
	let live = points; // the points the collection holds, as the tests change it
	const C = 'items';

	await t.test('root, collections: create, exists, list, info', async () => {
		const root = await client.versionInfo();
		assert.match(root.title, /ruvector/);
		assert.equal((await client.collectionExists(C)).exists, false);
		assert.equal(await client.createCollection(C, {
			vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 16, ef_construct: 128 },
		}), true);
		assert.equal((await client.collectionExists(C)).exists, true);
		await assert.rejects(client.createCollection(C, { vectors: { size: DIM, distance: 'Cosine' } }),
			(e) => e.status === 409);
		await assert.rejects(client.createCollection('bad', { vectors: { size: DIM, distance: 'Hamming' } }),
			(e) => e.status === 400);
		const list = await client.getCollections();
		assert.deepEqual(list.collections.map((c) => c.name), [C]);
		const info = await client.getCollection(C);
		assert.equal(info.points_count, 0);
		assert.equal(info.config.params.vectors.size, DIM);
		assert.equal(info.config.params.vectors.distance, 'Cosine');
		assert.equal(info.config.hnsw_config.m, 16);
		assert.equal(info.config.hnsw_config.ef_construct, 128);
	});

	await t.test('upsert 10,000 points (points and batch forms), wait=true', async () => {
		for (let i = 0; i < N; i += 1000) {
			const chunk = points.slice(i, i + 1000);
			const res = (i / 1000) % 2 === 0
				? await client.upsert(C, { wait: true, points: chunk })
				: await client.upsert(C, { wait: true, batch: {
					ids: chunk.map((p) => p.id), vectors: chunk.map((p) => p.vector), payloads: chunk.map((p) => p.payload) } });
			assert.equal(res.status, 'completed');
		}
		assert.equal((await client.count(C)).count, N);
		assert.equal((await client.getCollection(C)).points_count, N);
		await assert.rejects(client.upsert(C, { wait: true, points: [{ id: 1, vector: [1, 2] }] }), (e) => e.status === 400);
		await assert.rejects(client.upsert(C, { wait: true, points: [{ id: 'not-a-uuid', vector: points[0].vector }] }),
			(e) => e.status === 400);
		await assert.rejects(client.upsert('missing', { wait: true, points: [] }), (e) => e.status === 404);
	});

	await t.test('retrieve by ids: payloads and vectors as written', async () => {
		const want = [points[1], points[10], points[9999], points[4242]];
		const got = await client.retrieve(C, { ids: [...want.map((p) => p.id), 123456789], with_vector: true });
		assert.equal(got.length, want.length);
		for (const p of want) {
			const g = got.find((x) => String(x.id) === String(p.id));
			assert.ok(g, `point ${p.id} retrieved`);
			assert.deepEqual(g.payload, JSON.parse(JSON.stringify(p.payload)));
			// cosine: the stored vector is the one given, up to float32 rounding
			g.vector.forEach((x, i) => assert.ok(Math.abs(x - p.vector[i]) < 1e-5));
		}
	});

	const r = rng(7);
	const queries = Array.from({ length: 6 }, () => Array.from({ length: DIM }, () => r() * 2 - 1));

	await t.test('search: filtered, exact and HNSW, checked against an exact scan', async () => {
		for (const [fi, filter] of FILTERS.entries()) {
			for (const q of queries.slice(0, 3)) {
				const hits = await client.search(C, { vector: q, limit: 10, filter, params: { exact: true } });
				checkTopK(hits, points, q, filter, 10, `filter ${fi} exact`);
				// the graph: at least 8 of the 10 nearest (measured: all 10)
				const approx = await client.search(C, { vector: q, limit: 10, filter, params: { hnsw_ef: 128 } });
				const exact = checkTopK(approx.length === 10 ? hits : approx, points, q, filter, 10, `filter ${fi}`);
				const want = new Set(exact.slice(0, 10).map((e) => String(e.id)));
				const found = approx.filter((h) => want.has(String(h.id))).length;
				assert.ok(found >= Math.min(8, want.size), `filter ${fi}: HNSW recall ${found}/${want.size}`);
			}
		}
	});

	await t.test('search: offset, score_threshold, with_payload, with_vector', async () => {
		const q = queries[0];
		const all = await client.search(C, { vector: q, limit: 20, params: { exact: true } });
		const off = await client.search(C, { vector: q, limit: 10, offset: 10, params: { exact: true } });
		assert.deepEqual(off.map((h) => h.id), all.slice(10).map((h) => h.id));
		const thr = all[5].score;
		const above = await client.search(C, { vector: q, limit: 20, score_threshold: thr, params: { exact: true } });
		assert.ok(above.length >= 6 && above.every((h) => h.score >= thr));
		const bare = await client.search(C, { vector: q, limit: 3, with_payload: false });
		assert.equal(bare[0].payload, undefined);
		const some = await client.search(C, { vector: q, limit: 3, with_payload: ['city'], with_vector: true });
		assert.deepEqual(Object.keys(some[0].payload), ['city']);
		assert.equal(some[0].vector.length, DIM);
		await assert.rejects(client.search(C, { vector: [1, 2, 3], limit: 3 }), (e) => e.status === 400);
		await assert.rejects(client.search(C, { vector: q, limit: 3, filter: { must: [{ key: 'x', geo_radius: {} }] } }),
			(e) => e.status === 400);
	});

	await t.test('search/batch and query (nearest, by id) and query/batch', async () => {
		const searches = queries.map((q, i) => ({ vector: q, limit: 5, filter: FILTERS[i], params: { exact: true }, with_payload: true }));
		const batch = await client.searchBatch(C, { searches });
		assert.equal(batch.length, queries.length);
		batch.forEach((hits, i) => checkTopK(hits, points, queries[i], FILTERS[i], 5, `batch ${i}`));
		const q1 = await client.query(C, { query: queries[1], limit: 7, filter: FILTERS[1], params: { exact: true } });
		checkTopK(q1.points, points, queries[1], FILTERS[1], 7, 'query');
		const q2 = await client.query(C, { query: { nearest: queries[2] }, limit: 7, params: { exact: true } });
		checkTopK(q2.points, points, queries[2], null, 7, 'query nearest');
		const byId = await client.query(C, { query: 42, limit: 3, params: { exact: true } });
		assert.equal(byId.points[0].id, 42);
		const qb = await client.queryBatch(C, { searches: [{ query: queries[3], limit: 4, params: { exact: true } },
			{ query: queries[4], limit: 4, filter: FILTERS[6], params: { exact: true } }] });
		checkTopK(qb[0].points, points, queries[3], null, 4, 'query batch 0');
		checkTopK(qb[1].points, points, queries[4], FILTERS[6], 4, 'query batch 1');
	});

	await t.test('scroll with offsets and count, against an exact scan', async () => {
		for (const [fi, filter] of [null, ...FILTERS].entries()) {
			const want = points.filter((p) => matches(filter, p.payload, p.id)).map((p) => p.id).sort(idOrder);
			const got = [];
			let offset;
			for (;;) {
				const page = await client.scroll(C, { filter: filter || undefined, limit: 700, offset, with_payload: fi === 1 });
				got.push(...page.points.map((p) => p.id));
				if (fi === 1 && page.points.length)
					assert.deepEqual(page.points[0].payload, JSON.parse(JSON.stringify(points.find((p) => p.id === page.points[0].id).payload)));
				if (page.next_page_offset === null || page.next_page_offset === undefined) break;
				offset = page.next_page_offset;
			}
			assert.deepEqual(got, want, `scroll filter ${fi - 1}`);
			assert.equal((await client.count(C, { filter: filter || undefined, exact: true })).count, want.length,
				`count filter ${fi - 1}`);
		}
	});

	await t.test('payload indexes: create, used by filters, delete', async () => {
		await client.createPayloadIndex(C, { field_name: 'city', field_schema: 'keyword', wait: true });
		await client.createPayloadIndex(C, { field_name: 'n', field_schema: 'integer', wait: true });
		await client.createPayloadIndex(C, { field_name: 'price', field_schema: { type: 'float' }, wait: true });
		const info = await client.getCollection(C);
		assert.equal(info.payload_schema.city.data_type, 'keyword');
		assert.equal(info.payload_schema.n.data_type, 'integer');
		for (const fi of [0, 1, 3, 4]) {
			const hits = await client.search(C, { vector: queries[5], limit: 10, filter: FILTERS[fi] });
			checkTopK(hits, points, queries[5], FILTERS[fi], 10, `indexed filter ${fi}`);
			const want = points.filter((p) => matches(FILTERS[fi], p.payload, p.id)).length;
			assert.equal((await client.count(C, { filter: FILTERS[fi] })).count, want);
		}
		await client.deletePayloadIndex(C, 'price', { wait: true });
		assert.equal((await client.getCollection(C)).payload_schema.price, undefined);
		await assert.rejects(client.createPayloadIndex(C, { field_name: 'x', field_schema: 'geo' }), (e) => e.status === 400);
	});

	await t.test('payload edits: set, overwrite, delete keys, clear', async () => {
		const sel = { must: [{ key: 'city', match: { value: 'apia' } }, { key: 'n', range: { lt: 10 } }] };
		const ids = points.filter((p) => matches(sel, p.payload, p.id)).map((p) => p.id);
		assert.ok(ids.length > 5);
		await client.setPayload(C, { payload: { flag: true, meta: { level: 99 } }, filter: sel, wait: true });
		for (const p of await client.retrieve(C, { ids })) {
			assert.equal(p.payload.flag, true);
			assert.deepEqual(p.payload.meta, { level: 99 }); // set replaces top-level keys
			assert.equal(p.payload.city, 'apia');
		}
		assert.equal((await client.count(C, { filter: { must: [{ key: 'flag', match: { value: true } }] } })).count, ids.length);
		await client.deletePayload(C, { keys: ['flag', 'meta.level', 'tags'], points: ids, wait: true });
		for (const p of await client.retrieve(C, { ids })) {
			assert.equal(p.payload.flag, undefined);
			assert.deepEqual(p.payload.meta, {});
			assert.equal(p.payload.tags, undefined);
			assert.equal(p.payload.city, 'apia');
		}
		await client.overwritePayload(C, { payload: { only: 'this' }, points: ids.slice(0, 3), wait: true });
		for (const p of await client.retrieve(C, { ids: ids.slice(0, 3) })) assert.deepEqual(p.payload, { only: 'this' });
		await client.clearPayload(C, { points: ids.slice(3, 5), wait: true });
		for (const p of await client.retrieve(C, { ids: ids.slice(3, 5) })) assert.deepEqual(p.payload, {});
		// the model follows: later checks use the edited payloads
		for (const p of points) {
			if (!ids.includes(p.id)) continue;
			const i = ids.indexOf(p.id);
			if (i < 3) p.payload = { only: 'this' };
			else if (i < 5) p.payload = {};
			else { p.payload = { ...p.payload, meta: {} }; delete p.payload.tags; }
		}
		const f = FILTERS[8];
		assert.equal((await client.count(C, { filter: f })).count, points.filter((p) => matches(f, p.payload, p.id)).length);
	});

	await t.test('delete by ids and by filter', async () => {
		const byIds = [3, 4, uuidOf(30), 123456]; // the last does not exist: skipped, as in Qdrant
		assert.equal((await client.delete(C, { points: byIds, wait: true })).status, 'completed');
		const sel = { must: [{ key: 'city', match: { value: 'male' } }, { key: 'meta.level', range: { gte: 3 } }] };
		await client.delete(C, { filter: sel, wait: true });
		const gone = new Set(byIds.map(String));
		const left = points.filter((p) => !gone.has(String(p.id)) && !matches(sel, p.payload, p.id));
		live = left;
		assert.equal((await client.count(C)).count, left.length);
		assert.equal((await client.retrieve(C, { ids: [3, uuidOf(30)] })).length, 0);
		const hits = await client.search(C, { vector: queries[0], limit: 10, filter: FILTERS[3], params: { exact: true } });
		checkTopK(hits, left, queries[0], FILTERS[3], 10, 'after deletes');
	});

	await t.test('Euclid, Dot and Manhattan scores follow Qdrant', async () => {
		const vecs = [[1, 0], [0, 2], [3, 4]];
		for (const [distance, score] of [
			['Euclid', (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1])],
			['Dot', (a, b) => a[0] * b[0] + a[1] * b[1]],
			['Manhattan', (a, b) => Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1])]]) {
			const name = `d_${distance}`;
			await client.createCollection(name, { vectors: { size: 2, distance } });
			await client.upsert(name, { wait: true, points: vecs.map((v, i) => ({ id: i + 1, vector: v })) });
			const q = [1, 1];
			const hits = await client.search(name, { vector: q, limit: 3 });
			const want = vecs.map((v, i) => ({ id: i + 1, s: score(q, v) }))
				.sort((a, b) => (distance === 'Dot' ? b.s - a.s : a.s - b.s));
			assert.deepEqual(hits.map((h) => h.id), want.map((w) => w.id), distance);
			hits.forEach((h, i) => assert.ok(Math.abs(h.score - want[i].s) < 1e-5, `${distance} score`));
			assert.equal(await client.deleteCollection(name), true);
		}
		assert.equal((await client.collectionExists('d_Dot')).exists, false);
	});

	await t.test('quantization_config: scalar, product, binary', async () => {
		for (const [i, qc] of [{ scalar: { type: 'int8' } }, { product: { compression: 'x16' } }, { binary: {} }].entries()) {
			await client.createCollection(`q${i}`, { vectors: { size: 32, distance: 'Euclid' }, quantization_config: qc });
			const info = await client.getCollection(`q${i}`);
			assert.deepEqual(Object.keys(info.config.quantization_config), Object.keys(qc));
			await client.deleteCollection(`q${i}`);
		}
	});

	await t.test('errors: unknown collection, bad JSON, bad filter', async () => {
		await assert.rejects(client.getCollection('nope'), (e) => e.status === 404);
		const res = await fetch(`${srv.url}/collections/${C}/points/search`, { method: 'POST', body: '{"vector": [1,' });
		assert.equal(res.status, 400);
		const body = await res.json();
		assert.match(body.status.error, /JSON/);
		assert.equal(typeof body.time, 'number');
		await assert.rejects(client.count(C, { filter: { must: [{ key: 'n', match: { fuzzy: 1 } }] } }), (e) => e.status === 400);
		await assert.rejects(client.count(C, { filter: { must: [{ key: 'n', values_count: { gt: 1 } }] } }), (e) => e.status === 400);
	});

	await t.test('snapshots: create, list, download, recover (location and upload), delete', async () => {
		const before = (await client.count(C)).count;
		const snap = await client.createSnapshot(C);
		assert.match(snap.name, /\.snapshot$/);
		assert.ok(snap.size > 1024);
		const list = await client.listSnapshots(C);
		assert.deepEqual(list.map((x) => x.name), [snap.name]);
		const file = await fetch(`${srv.url}/collections/${C}/snapshots/${snap.name}`);
		assert.equal(file.status, 200);
		const archive = Buffer.from(await file.arrayBuffer());
		assert.equal(archive.length, snap.size);
		assert.equal(archive.subarray(257, 262).toString(), 'ustar');
		// change the collection, then recover it from the snapshot by location
		await client.delete(C, { filter: { must: [{ key: 'city', match: { value: 'oslo' } }] }, wait: true });
		assert.ok((await client.count(C)).count < before);
		await client.recoverSnapshot(C, { location: `file://${srv.db}.snapshots/${C}/${snap.name}` });
		assert.equal((await client.count(C)).count, before);
		const hits = await client.search(C, { vector: queries[2], limit: 10, filter: FILTERS[1], params: { exact: true } });
		checkTopK(hits, live, queries[2], FILTERS[1], 10, 'after recovery');
		// upload the archive as a new collection (multipart, as Qdrant takes it)
		const form = new FormData();
		form.append('snapshot', new Blob([archive]), snap.name);
		const up = await fetch(`${srv.url}/collections/${C}/snapshots/upload`, { method: 'POST', body: form });
		assert.equal(up.status, 200, await up.clone().text());
		assert.equal((await client.count(C)).count, before);
		assert.equal((await client.deleteSnapshot(C, snap.name)), true);
		assert.deepEqual(await client.listSnapshots(C), []);
		for (const bad of ['..%2F..%2Fetc%2Fpasswd', '..%2Fx.snapshot', 'a..b.snapshot', '.hidden.snapshot', 'x.tar']) {
			const res = await fetch(`${srv.url}/collections/${C}/snapshots/${bad}`);
			assert.equal(res.status, 400, bad);
		}
	});

	await t.test('delete the collection', async () => {
		assert.equal(await client.deleteCollection(C), true);
		assert.equal((await client.getCollections()).collections.length, 0);
	});

	const { code } = await srv.stop();
	assert.equal(code, 0, `clean exit on SIGTERM: ${srv.log()}`);
});

test('a deleted payload index is gone from the core, also after a restart', { timeout: 120000 }, async () => {
	let srv = await startServer(['--quiet']);
	const dir = srv.dir;
	let client = new QdrantClient({ url: srv.url, checkCompatibility: false });
	await client.createCollection('idx', { vectors: { size: 4, distance: 'Euclid' } });
	await client.upsert('idx', { wait: true, points: [1, 2, 3].map((id) => ({ id, vector: [id, 0, 0, 0], payload: { city: `c${id}`, price: id } })) });
	await client.createPayloadIndex('idx', { field_name: 'city', field_schema: 'keyword', wait: true });
	await client.createPayloadIndex('idx', { field_name: 'price', field_schema: 'float', wait: true });
	await client.deletePayloadIndex('idx', 'price', { wait: true });
	await assert.rejects(client.deletePayloadIndex('idx', 'nothing', { wait: true }), (e) => e.status === 404);
	assert.equal((await srv.stop()).code, 0);
	// the core's indexes, read back at open: city stays, price is gone
	srv = await startServer(['--quiet'], { dir });
	try {
		client = new QdrantClient({ url: srv.url, checkCompatibility: false });
		const schema = (await client.getCollection('idx')).payload_schema;
		assert.deepEqual(Object.keys(schema).sort(), ['city']);
		assert.equal(schema.city.data_type, 'keyword');
		const r = await client.count('idx', { filter: { must: [{ key: 'price', range: { gte: 2 } }] }, exact: true });
		assert.equal(r.count, 2, 'filters on the field still answer, without the index');
	} finally {
		assert.equal((await srv.stop()).code, 0);
	}
});
