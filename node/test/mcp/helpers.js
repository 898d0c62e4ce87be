'use strict';
// Helpers for the MCP server tests (mcp-agentdb.test.js, mcp-ruvector.test.js).
//
// connect(): our server driven by the SDK's own Client and
// StdioClientTransport. The transport's start() is wrapped to keep the
// child process (to kill it, and to read its exit code) and to record every
// chunk the server writes to stdout (the test checks that each line is a
// JSON-RPC message) and to stderr; `protocolVersion` rewrites the
// initialize request the SDK client sends (it always offers its latest).
//
// RawServer: agentdb 1.6.1's own server, which prints a banner line on
// stdout before the handshake (the SDK client drops the connection on it),
// talked to with JSON-RPC lines; lines that do not parse are skipped (and
// kept in `junk`).
const { spawn } = require('child_process');
const path = require('path');
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');

const NODE = process.execPath;
const ROOT = path.resolve(__dirname, '..', '..');
const AGENTDB_BIN = path.join(ROOT, 'bin', 'agentdb.js');
const RUVECTOR_BIN = path.join(ROOT, 'bin', 'ruvector.js');

function baseEnv(extra) {
  const env = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

/**
 * Start `args` (node arguments) under the SDK client. Resolves to
 * {client, child, stdout(), stderr(), initResult, close(), exited}.
 */
async function connect(args, { cwd, env, protocolVersion } = {}) {
  const transport = new StdioClientTransport({ command: NODE, args, cwd, env: baseEnv(env), stderr: 'pipe' });
  const out = [];
  const err = [];
  let child = null;
  let exited = null;
  const start = transport.start.bind(transport);
  transport.start = async () => {
    await start();
    child = transport._process; // the SDK keeps it there; we only listen to it
    child.stdout.on('data', (b) => out.push(b));
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  };
  transport.stderr.on('data', (b) => err.push(b));
  const send = transport.send.bind(transport);
  transport.send = (m, o) => {
    if (protocolVersion && m.method === 'initialize') m = { ...m, params: { ...m.params, protocolVersion } };
    return send(m, o);
  };
  const client = new Client({ name: 'ruvector-test', version: '1.0.0' });
  await client.connect(transport);
  const stdout = () => Buffer.concat(out).toString('utf8');
  return {
    client,
    get child() { return child; },
    get exited() { return exited; },
    stdout,
    stderr: () => Buffer.concat(err).toString('utf8'),
    initResult: () => stdoutMessages(stdout()).find((m) => m.result && m.result.protocolVersion)?.result,
    close: () => client.close(),
  };
}

/** Every line of `text` as a parsed JSON-RPC message; throws naming the first line that is not one. */
function stdoutMessages(text) {
  const lines = text.split('\n').filter((l) => l.length > 0);
  return lines.map((l, i) => {
    let m;
    try {
      m = JSON.parse(l);
    } catch {
      throw new Error(`stdout line ${i + 1} is not JSON: ${l.slice(0, 120)}`);
    }
    if (!m || m.jsonrpc !== '2.0' || !('id' in m || 'method' in m)) throw new Error(`stdout line ${i + 1} is not JSON-RPC: ${l.slice(0, 120)}`);
    return m;
  });
}

/** A server spoken to with raw JSON-RPC lines (agentdb 1.6.1's). */
class RawServer {
  constructor(args, { cwd, env } = {}) {
    this.child = spawn(NODE, args, { cwd, env: baseEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    this.pending = new Map();
    this.junk = [];
    this.stderrText = '';
    this.nextId = 1;
    let buf = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (s) => {
      buf += s;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let m;
        try {
          m = JSON.parse(line);
        } catch {
          this.junk.push(line);
          continue;
        }
        const p = this.pending.get(m.id);
        if (p) {
          this.pending.delete(m.id);
          p(m);
        }
      }
    });
    this.child.stderr.on('data', (b) => { this.stderrText += b; });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  request(method, params) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  async initialize(protocolVersion = '2025-06-18') {
    const r = await this.request('initialize', { protocolVersion, capabilities: {}, clientInfo: { name: 'ruvector-test', version: '1.0.0' } });
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    return r;
  }

  callTool(name, args) {
    return this.request('tools/call', { name, arguments: args });
  }

  kill(signal = 'SIGKILL') {
    this.child.kill(signal);
    return this.exited;
  }
}

/** A tool's text reply. */
const textOf = (r) => r.content.map((c) => c.text).join('');

/** Nested required fields of an input schema: ['', [..]], ['items.items', [..]], ... */
function requiredPaths(schema, at = '') {
  const out = [];
  if (!schema || typeof schema !== 'object') return out;
  if (schema.required) out.push([at, [...schema.required].sort()]);
  for (const [k, sub] of Object.entries(schema.properties || {})) out.push(...requiredPaths(sub, at ? `${at}.${k}` : k));
  if (schema.items) out.push(...requiredPaths(schema.items, `${at}[]`));
  return out;
}

/** Property paths with their type and default. */
function propertyPaths(schema, at = '') {
  const out = [];
  for (const [k, sub] of Object.entries(schema.properties || {})) {
    const p = at ? `${at}.${k}` : k;
    out.push([p, sub.type, sub.default, sub.enum]);
    out.push(...propertyPaths(sub, p));
    if (sub.items) out.push(...propertyPaths(sub.items, `${p}[]`));
  }
  return out;
}

module.exports = { connect, stdoutMessages, RawServer, textOf, requiredPaths, propertyPaths, AGENTDB_BIN, RUVECTOR_BIN, NODE };
