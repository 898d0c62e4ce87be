// helpers.js: what the server tests share: starting `ruvector serve` on a
// free port in a fresh database, a seeded random source, and an
// independent evaluator of Qdrant's filter semantics for exact scans.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = process.env.RUVECTOR_CLI || path.join(ROOT, 'build', 'ruvector');

// Start the server; resolves {port, url, proc, dir, log(), stop()} once it is ready.
async function startServer(args = [], opts = {}) {
	const dir = opts.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'rv-serve-'));
	const db = path.join(dir, 'db');
	const portFile = path.join(dir, `port-${process.pid}-${Date.now()}`);
	const proc = spawn(CLI, ['serve', db, '--port', '0', '--port-file', portFile, ...args], {
		stdio: ['ignore', 'ignore', 'pipe'],
		env: { ...process.env, ...(opts.env || {}) },
	});
	let log = '';
	proc.stderr.on('data', (d) => { log += d; });
	const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
	const deadline = Date.now() + 30000;
	while (!fs.existsSync(portFile)) {
		if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${log}`);
		if (Date.now() > deadline) throw new Error(`server not ready after 30 s: ${log}`);
		await new Promise((r) => setTimeout(r, 20));
	}
	const port = Number(fs.readFileSync(portFile, 'utf8'));
	fs.unlinkSync(portFile);
	return {
		port, url: `http://127.0.0.1:${port}`, proc, dir, db, exited,
		log: () => log,
		async stop(signal = 'SIGTERM') {
			if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
			return exited;
		},
	};
}

// xorshift64*: the same numbers on every run.
function rng(seed) {
	let s = BigInt(seed) || 1n;
	return () => {
		s ^= s >> 12n; s ^= (s << 25n) & 0xffffffffffffffffn; s ^= s >> 27n;
		const x = (s * 2685821657736338717n) & 0xffffffffffffffffn;
		return Number(x >> 11n) / 2 ** 53;
	};
}

// ---- Qdrant's filter semantics, written from its documentation ----

// Every value a dotted path reaches (through arrays of objects), arrays
// kept whole; `flat` spreads arrays into their elements too.
function reach(obj, keys) {
	if (keys.length === 0) return [obj];
	if (Array.isArray(obj)) return obj.flatMap((e) => (e && typeof e === 'object' ? reach(e, keys) : []));
	if (!obj || typeof obj !== 'object' || !(keys[0] in obj)) return [];
	return reach(obj[keys[0]], keys.slice(1));
}
function values(payload, key) {
	const out = [];
	for (const v of reach(payload, key.replace(/\[\]/g, '').split('.'))) {
		if (Array.isArray(v)) out.push(...v); else out.push(v);
	}
	return out;
}

function condition(c, p, id) {
	if (c.has_id) return c.has_id.map(String).includes(String(id));
	if (c.is_empty) {
		const raw = reach(p, c.is_empty.key.split('.'));
		return raw.length === 0 || raw.every((v) => v === null || (Array.isArray(v) && v.length === 0));
	}
	if (c.is_null) return values(p, c.is_null.key).some((v) => v === null);
	if (c.nested) {
		const arr = reach(p, c.nested.key.split('.')).flatMap((v) => (Array.isArray(v) ? v : []));
		return arr.some((e) => e && typeof e === 'object' && matches(c.nested.filter, e, id));
	}
	if (c.must || c.should || c.must_not || c.min_should) return matches(c, p, id);
	const vs = values(p, c.key);
	if (c.match) {
		const m = c.match;
		if ('value' in m) return vs.some((v) => v === m.value);
		if ('any' in m) return vs.some((v) => m.any.includes(v));
		if ('except' in m) return !vs.some((v) => m.except.includes(v));
		if ('text' in m) return vs.some((v) => typeof v === 'string' && v.includes(m.text));
	}
	if (c.range) {
		const r = c.range;
		const ok = (v) => typeof v === 'number';
		return (r.gt === undefined || vs.some((v) => ok(v) && v > r.gt)) &&
			(r.gte === undefined || vs.some((v) => ok(v) && v >= r.gte)) &&
			(r.lt === undefined || vs.some((v) => ok(v) && v < r.lt)) &&
			(r.lte === undefined || vs.some((v) => ok(v) && v <= r.lte));
	}
	throw new Error(`test evaluator: unknown condition ${JSON.stringify(c)}`);
}

function matches(f, p, id) {
	if (!f) return true;
	const arr = (x) => (x === undefined ? null : Array.isArray(x) ? x : [x]);
	const must = arr(f.must), should = arr(f.should), not = arr(f.must_not);
	if (must && !must.every((c) => condition(c, p, id))) return false;
	if (should && should.length && !should.some((c) => condition(c, p, id))) return false;
	if (not && not.some((c) => condition(c, p, id))) return false;
	if (f.min_should) {
		const n = f.min_should.conditions.filter((c) => condition(c, p, id)).length;
		if (n < f.min_should.min_count) return false;
	}
	return true;
}

// Qdrant's order of ids: integers ascending, then UUIDs.
function idOrder(a, b) {
	const na = typeof a === 'number', nb = typeof b === 'number';
	if (na !== nb) return na ? -1 : 1;
	return na ? a - b : a < b ? -1 : a > b ? 1 : 0;
}

module.exports = { startServer, rng, matches, idOrder, CLI, ROOT };
