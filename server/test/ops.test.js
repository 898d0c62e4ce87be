// ops.test.js: what keeps `ruvector serve` safe to expose: keys, limits,
// overload, hostile sockets, kill -9 during acknowledged writes, SIGTERM,
// the probes, /metrics and the access log. Real sockets, a real process.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { spawnSync } = require('node:child_process');
const { QdrantClient } = require('@qdrant/js-client-rest');
const { startServer, rng, CLI } = require('./helpers.js');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function call(url, method, path, body, headers = {}) {
	const res = await fetch(url + path, {
		method, headers: { 'content-type': 'application/json', ...headers },
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await res.text();
	let json = null;
	try { json = JSON.parse(text); } catch { /* metrics, probes */ }
	return { status: res.status, headers: res.headers, text, json };
}

// Send raw bytes; resolve with everything the server sent before closing
// (or after `waitMs` of silence).
function raw(port, chunks, { waitMs = 1500, gapMs = 0 } = {}) {
	return new Promise((resolve) => {
		const s = net.connect(port, '127.0.0.1');
		let got = '', timer;
		const done = () => { clearTimeout(timer); s.destroy(); resolve(got); };
		const arm = () => { clearTimeout(timer); timer = setTimeout(done, waitMs); };
		s.on('data', (d) => { got += d; arm(); });
		s.on('close', done);
		s.on('error', done);
		s.on('connect', async () => {
			for (const c of chunks) {
				if (s.destroyed) break;
				s.write(c);
				if (gapMs) await sleep(gapMs);
			}
			arm();
		});
	});
}

function vectors(n, dim, seed) {
	const r = rng(seed);
	return Array.from({ length: n }, () => Array.from({ length: dim }, () => r() * 2 - 1));
}

test('keys: 401 without, 403 for the read-only key writing, probes open', async (t) => {
	const srv = await startServer(['--api-key', 'secret-key', '--read-only-key', 'reader-key', '--quiet']);
	t.after(() => srv.stop());
	assert.equal((await call(srv.url, 'GET', '/collections')).status, 401);
	assert.equal((await call(srv.url, 'GET', '/collections', undefined, { 'api-key': 'secret-kez' })).status, 401);
	assert.equal((await call(srv.url, 'GET', '/collections', undefined, { 'api-key': 'secret' })).status, 401);
	assert.equal((await call(srv.url, 'GET', '/collections', undefined, { authorization: 'Bearer reader' })).status, 401);
	for (const p of ['/livez', '/readyz', '/healthz']) assert.equal((await call(srv.url, 'GET', p)).status, 200, p);
	// refused on the headers: the server does not wait for the 10 MB body
	const early = await raw(srv.port, ['PUT /collections/c/points HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n'], { waitMs: 3000 });
	assert.match(early, /^HTTP\/1\.1 401/);
	const admin = new QdrantClient({ url: srv.url, apiKey: 'secret-key', checkCompatibility: false });
	await admin.createCollection('c', { vectors: { size: 2, distance: 'Dot' } });
	await admin.upsert('c', { wait: true, points: [{ id: 1, vector: [1, 0] }] });
	const bearer = await call(srv.url, 'POST', '/collections/c/points/count', {}, { authorization: 'Bearer secret-key' });
	assert.equal(bearer.json.result.count, 1);
	const reader = new QdrantClient({ url: srv.url, apiKey: 'reader-key', checkCompatibility: false });
	assert.equal((await reader.search('c', { vector: [1, 1], limit: 1 }))[0].id, 1);
	assert.equal((await reader.count('c')).count, 1);
	await assert.rejects(reader.upsert('c', { wait: true, points: [{ id: 2, vector: [0, 1] }] }), (e) => e.status === 403);
	await assert.rejects(reader.deleteCollection('c'), (e) => e.status === 403);
	await assert.rejects(reader.createCollection('d', { vectors: { size: 2, distance: 'Dot' } }), (e) => e.status === 403);
	await assert.rejects(reader.delete('c', { points: [1] }), (e) => e.status === 403);
	assert.equal((await admin.count('c')).count, 1);
});

test('no key and a non-loopback address: refused unless --insecure', async () => {
	const r = spawnSync(CLI, ['serve', '/nonexistent/never-created', '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8' });
	assert.equal(r.status, 2);
	assert.match(r.stderr, /without an API key/);
	const srv = await startServer(['--host', '0.0.0.0', '--insecure', '--quiet']);
	assert.equal((await call(srv.url, 'GET', '/healthz')).status, 200);
	assert.equal((await srv.stop()).code, 0);
});

test('limits: body, batch, k, filter depth', async (t) => {
	const srv = await startServer(['--max-body', '65536', '--max-batch', '100', '--max-k', '50', '--max-filter-depth', '3',
		'--quiet']);
	t.after(() => srv.stop());
	const c = new QdrantClient({ url: srv.url, checkCompatibility: false, timeout: 60000 });
	await c.createCollection('c', { vectors: { size: 8, distance: 'Euclid' } });
	const vs = vectors(101, 8, 3);
	const big = await call(srv.url, 'PUT', '/collections/c/points', { points: vs.map((v, i) => ({ id: i, vector: v, payload: { pad: 'x'.repeat(700) } })) });
	assert.equal(big.status, 413);
	assert.match(big.json.status.error, /larger than the limit/);
	await assert.rejects(c.upsert('c', { wait: true, points: vs.map((v, i) => ({ id: i, vector: v })) }), (e) => e.status === 413);
	assert.equal((await c.count('c')).count, 0, 'a refused batch writes nothing');
	await c.upsert('c', { wait: true, points: vs.slice(0, 100).map((v, i) => ({ id: i, vector: v, payload: { n: i } })) });
	await assert.rejects(c.search('c', { vector: vs[0], limit: 51 }), (e) => e.status === 400);
	await assert.rejects(c.search('c', { vector: vs[0], limit: 40, offset: 11 }), (e) => e.status === 400);
	assert.equal((await c.search('c', { vector: vs[0], limit: 50 })).length, 50);
	const deep = { must: [{ must: [{ must: [{ must: [{ key: 'n', match: { value: 1 } }] }] }] }] };
	await assert.rejects(c.count('c', { filter: deep }), (e) => e.status === 400);
	assert.equal((await c.count('c', { filter: deep.must[0] })).count, 1);
	// a chunked body (no Content-Length) past the limit
	const chunked = await raw(srv.port, ['POST /collections/c/points/count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
		...Array.from({ length: 20 }, () => `1000\r\n${' '.repeat(4096)}\r\n`), '0\r\n\r\n']);
	assert.match(chunked, /^HTTP\/1\.1 413/);
});

test('overload: searches past the cap get 503 with Retry-After at once; deadlines', async (t) => {
	const srv = await startServer(['--max-searches', '1', '--threads', '8', '--quiet']);
	t.after(() => srv.stop());
	const c = new QdrantClient({ url: srv.url, checkCompatibility: false });
	await c.createCollection('c', { vectors: { size: 64, distance: 'Euclid' } });
	const vs = vectors(20000, 64, 5);
	for (let i = 0; i < vs.length; i += 5000)
		await c.upsert('c', { wait: true, batch: { ids: vs.slice(i, i + 5000).map((_, j) => i + j), vectors: vs.slice(i, i + 5000) } });
	const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => (async () => {
		const t0 = performance.now();
		// 50 exact searches in one request (one search slot): tens of ms
		const r = await call(srv.url, 'POST', '/collections/c/points/search/batch',
			{ searches: Array.from({ length: 50 }, (_, j) => ({ vector: vs[i * 50 + j], limit: 10, params: { exact: true } })) });
		return { ...r, ms: performance.now() - t0 };
	})()));
	const ok = answers.filter((a) => a.status === 200), shed = answers.filter((a) => a.status === 503);
	assert.equal(ok.length + shed.length, answers.length, 'only 200 and 503');
	assert.ok(ok.length >= 1 && shed.length >= 1, `200: ${ok.length}, 503: ${shed.length}`);
	for (const a of shed) {
		assert.equal(a.headers.get('retry-after'), '1');
		assert.match(a.json.status.error, /too many searches/);
	}
	assert.equal(ok[0].json.result.length, 50);
	assert.equal(ok[0].json.result[0].length, 10);
	// a per-request deadline of 1 ms: fifty exact searches outlast it, and
	// the batch stops between two of them
	await srv.stop();
	const quick = await startServer(['--timeout', '1', '--quiet'], { dir: srv.dir });
	try {
		const slow = await call(quick.url, 'POST', '/collections/c/points/search/batch',
			{ searches: Array.from({ length: 50 }, (_, j) => ({ vector: vs[j], limit: 10, params: { exact: true } })) });
		assert.equal(slow.status, 503);
		assert.match(slow.json.status.error, /deadline of 1 ms/);
	} finally {
		await quick.stop();
	}
});

test('hostile sockets: malformed, oversized, slow, overlong bodies: clean 4xx, no crash', async (t) => {
	const srv = await startServer(['--conn-timeout', '2', '--quiet']);
	t.after(() => srv.stop());
	for (const [line, want] of [
		['GET / FOO\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 400/],
		['GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 400/],
		['GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', /^HTTP\/1\.1 400/],
		['GET / HTTP/9.9\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 505/],
		['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n', /^HTTP\/1\.1 400/],
		['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n', /^HTTP\/1\.1 413/],
		['G@T / HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 405/],
		// no URI at all: libmicrohttpd reads it as HTTP/0.9, which has no
		// status line, and closes the connection without an answer
		['GARBAGE\r\n\r\n', /^$/],
		['\x00\x01\x02\xff\r\n\r\n', /^$/],
	]) assert.match(await raw(srv.port, [line]), want, JSON.stringify(line));
	const huge = await raw(srv.port, [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100000)}\r\n\r\n`]);
	assert.match(huge, /^HTTP\/1\.1 (431|413|400)/);
	// a body longer than announced: the excess is read as the next
	// request, which is malformed
	const longer = await raw(srv.port, ['POST /collections/none/points/count HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}EXTRA garbage\r\n\r\n']);
	assert.match(longer, /^HTTP\/1\.1 404/);
	assert.match(longer, /HTTP\/1\.1 400/);
	// a body shorter than announced, then silence: closed at the timeout
	const t0 = Date.now();
	const shorter = await raw(srv.port, ['PUT /collections/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"vec'], { waitMs: 6000 });
	assert.equal(shorter, '');
	assert.ok(Date.now() - t0 < 5500, 'closed by the server, not by the test');
	// slowloris: many connections trickling a header; the server keeps
	// answering others, and drops each once it is idle past the timeout
	const slow = Array.from({ length: 50 }, () => raw(srv.port, ['GET / HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n'],
		{ gapMs: 2500, waitMs: 8000 }));
	await sleep(300);
	const t1 = Date.now();
	assert.equal((await call(srv.url, 'GET', '/healthz')).status, 200);
	assert.ok(Date.now() - t1 < 1000, 'served while slow clients hang on');
	const trickled = await Promise.all(slow);
	assert.ok(trickled.every((s) => s === '' || /^HTTP\/1\.1 (408|400)/.test(s)), 'slow clients were dropped');
	assert.equal((await call(srv.url, 'GET', '/healthz')).status, 200);
	assert.equal(srv.proc.exitCode, null, 'still running');
});

test('kill -9 during wait=true upserts: every acknowledged point survives', async () => {
	const srv = await startServer(['--quiet']);
	const c = new QdrantClient({ url: srv.url, checkCompatibility: false });
	await c.createCollection('c', { vectors: { size: 16, distance: 'Cosine' } });
	const acked = [];
	let stop = false;
	const writer = async (w) => {
		const r = rng(100 + w);
		for (let b = 0; !stop; b++) {
			const ids = Array.from({ length: 50 }, (_, i) => w * 1e7 + b * 50 + i);
			try {
				const res = await c.upsert('c', { wait: true, points: ids.map((id) => ({ id, vector: Array.from({ length: 16 }, () => r() - 0.5), payload: { w, b } })) });
				if (res.status === 'completed') acked.push(...ids);
			} catch { return; } // the server is gone
		}
	};
	const writers = [0, 1, 2, 3].map(writer);
	await sleep(1500);
	srv.proc.kill('SIGKILL');
	stop = true;
	await Promise.all(writers);
	const { signal } = await srv.exited;
	assert.equal(signal, 'SIGKILL');
	assert.ok(acked.length >= 200, `acknowledged ${acked.length}`);
	const again = await startServer(['--quiet'], { dir: srv.dir });
	try {
		const c2 = new QdrantClient({ url: again.url, checkCompatibility: false });
		for (let i = 0; i < acked.length; i += 1000) {
			const ids = acked.slice(i, i + 1000);
			const got = await c2.retrieve('c', { ids, with_payload: false });
			assert.equal(got.length, ids.length, 'every acknowledged point is there');
		}
		assert.ok((await c2.count('c')).count >= acked.length);
	} finally {
		assert.equal((await again.stop()).code, 0);
	}
});

test('SIGTERM finishes requests in flight and checkpoints; probes, metrics, access log', async () => {
	const srv = await startServer(['--max-searches', '16']);
	const c = new QdrantClient({ url: srv.url, checkCompatibility: false });
	await c.createCollection('c', { vectors: { size: 32, distance: 'Dot' } });
	const vs = vectors(5000, 32, 9);
	await c.upsert('c', { wait: true, batch: { ids: vs.map((_, i) => i), vectors: vs } });
	await c.search('c', { vector: vs[0], limit: 3 });
	const m = await call(srv.url, 'GET', '/metrics');
	assert.equal(m.status, 200);
	assert.match(m.headers.get('content-type'), /text\/plain/);
	assert.match(m.text, /ruvector_http_requests_total\{route="POST \/collections\/\{name\}\/points\/search",status="200"\} 1/);
	assert.match(m.text, /ruvector_http_request_duration_seconds_bucket\{route="PUT \/collections\/\{name\}\/points",le="\+Inf"\} 1/);
	assert.match(m.text, /ruvector_collection_points\{collection="c"\} 5000/);
	assert.match(m.text, /ruvector_collection_log_bytes\{collection="c"\} [1-9]/);
	assert.match(m.text, /process_resident_memory_bytes [1-9]/);
	assert.equal((await call(srv.url, 'GET', '/readyz')).status, 200);
	const root = await call(srv.url, 'GET', '/');
	assert.equal(root.json.version, '0.1.0');
	// requests in flight when SIGTERM comes are answered
	const inflight = Array.from({ length: 8 }, (_, i) => call(srv.url, 'POST', '/collections/c/points/search/batch',
		{ searches: Array.from({ length: 200 }, (_, j) => ({ vector: vs[(i * 200 + j) % 5000], limit: 10, params: { exact: true } })) }));
	await sleep(30);
	srv.proc.kill('SIGTERM');
	const answers = await Promise.allSettled(inflight);
	const { code } = await srv.exited;
	assert.equal(code, 0, srv.log());
	const answered = answers.filter((a) => a.status === 'fulfilled');
	assert.ok(answered.length >= 1, 'requests in flight were answered');
	for (const a of answered) assert.equal(a.value.status, 200);
	assert.match(srv.log(), /"POST \/collections\/c\/points\/search" 200 [0-9.]+ms/);
	assert.match(srv.log(), /"GET \/metrics" 200/);
	assert.match(srv.log(), /stopped cleanly/);
	// the checkpoint folded the log: reopening has nothing to replay
	const again = await startServer(['--quiet'], { dir: srv.dir });
	const m2 = await call(again.url, 'GET', '/metrics');
	assert.match(m2.text, /ruvector_collection_points\{collection="c"\} 5000/);
	assert.match(m2.text, /ruvector_collection_log_bytes\{collection="c"\} (0|[0-9]{1,3})\n/);
	assert.equal((await again.stop()).code, 0);
});

// A ustar entry, written here so the test can make hostile ones.
function tarEntry(name, body, type = '0', linkname = '') {
	const h = Buffer.alloc(512);
	h.write(name, 0, 'latin1');
	h.write('0000644\0', 100); h.write('0000000\0', 108); h.write('0000000\0', 116);
	h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
	h.write('00000000000\0', 136);
	h.write(type, 156); h.write(linkname, 157); h.write('ustar\0', 257); h.write('00', 263);
	h.fill(' ', 148, 156);
	let sum = 0;
	for (const b of h) sum += b;
	h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
	const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
	return Buffer.concat([h, body, pad]);
}

test('snapshots: hostile names and archives are refused, nothing lands outside', async (t) => {
	const fs = require('node:fs');
	const path = require('node:path');
	const srv = await startServer(['--quiet']);
	t.after(() => srv.stop());
	const c = new QdrantClient({ url: srv.url, checkCompatibility: false });
	await c.createCollection('c', { vectors: { size: 2, distance: 'Dot' } });
	await c.upsert('c', { wait: true, points: [{ id: 1, vector: [1, 0], payload: { a: 1 } }] });
	// fetch resolves a literal "..": sent raw, it is 400 too
	assert.match(await raw(srv.port, ['GET /collections/c/snapshots/.. HTTP/1.1\r\nHost: x\r\n\r\n']), /^HTTP\/1\.1 400/);
	assert.match(await raw(srv.port, ['GET /collections/c/snapshots/../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n']), /^HTTP\/1\.1 400/);
	for (const name of ['..%2F..%2Fescape.snapshot', 'x%2F..%2F..%2Fy.snapshot', '.x.snapshot', 'x..snapshot'])
		for (const method of ['GET', 'DELETE'])
			assert.equal((await call(srv.url, method, `/collections/c/snapshots/${name}`)).status, 400, `${method} ${name}`);
	const recover = await call(srv.url, 'PUT', '/collections/c/snapshots/recover', { location: 'file:///etc/passwd' });
	assert.equal(recover.status, 400);
	const outside = path.join(srv.dir, 'escaped');
	const end = Buffer.alloc(1024);
	for (const [label, archive] of [
		['parent', Buffer.concat([tarEntry('../escaped', Buffer.from('x')), end])],
		['deep parent', Buffer.concat([tarEntry('c/../../escaped', Buffer.from('x')), end])],
		['absolute', Buffer.concat([tarEntry(outside, Buffer.from('x')), end])],
		['symlink', Buffer.concat([tarEntry('link', Buffer.alloc(0), '2', outside), end])],
		['hard link', Buffer.concat([tarEntry('link', Buffer.alloc(0), '1', '/etc/passwd'), end])],
		['size past the end', tarEntry('big', Buffer.from('x')).subarray(0, 520)],
		['not a tar', Buffer.from('hello world, this is not an archive'.repeat(40))],
		['not a database', Buffer.concat([tarEntry('RUVECTOR', Buffer.from('garbage')), end])],
	]) {
		const form = new FormData();
		form.append('snapshot', new Blob([archive]), 'x.snapshot');
		const res = await fetch(`${srv.url}/collections/c/snapshots/upload`, { method: 'POST', body: form });
		assert.equal(res.status, 400, `${label}: ${await res.text()}`);
		assert.ok(!fs.existsSync(outside), `${label}: nothing written outside`);
	}
	assert.equal((await c.count('c')).count, 1, 'the collection is as it was');
	const left = fs.readdirSync(`${srv.db}.snapshots`);
	assert.deepEqual(left.filter((n) => n.startsWith('.recover')), [], 'scratch directories removed');
});
