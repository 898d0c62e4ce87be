'use strict';
// Serving a set of tools over MCP on stdio: what both servers share
// (agentdb-server.js, ruvector-server.js), on the official SDK's low-level
// Server and StdioServerTransport.
//
//   - stdout carries only JSON-RPC. The transport writes through the real
//     stdout; process.stdout.write itself is pointed at stderr before any
//     tool runs, so console.log anywhere below (agentdb's controllers log a
//     lot: LearningSystem, NightlyLearner, HNSWIndex) lands in the log
//     instead of corrupting the protocol stream.
//   - Tools are listed with their schemas as written; each call's arguments
//     are checked against the schema (args.js) and get its defaults, and a
//     bad argument or a failed call comes back as a tool error (isError:
//     true) naming the field or the problem. The server keeps running.
//   - A reply is agentdb's shape, text content, plus structuredContent: the
//     same facts as JSON (the handler returns {text, data}).
//   - Many calls may be in flight at once (the SDK dispatches each request
//     as it arrives); `exclusive` tools wait until the calls in flight have
//     finished and run alone (agentdb_init's reset, for instance).
//   - stdin EOF, SIGINT and SIGTERM: new calls are refused, the calls in
//     flight finish and are answered, then close() (the database) runs, and
//     serve() resolves with the exit code.
const { Server } = require('@modelcontextprotocol/sdk/server/index.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { ListToolsRequestSchema, CallToolRequestSchema } = require('@modelcontextprotocol/sdk/types.js');
const { checkArguments, ArgumentError } = require('./args');

let protocolOut = null;

/**
 * From now on, process.stdout.write goes to stderr; returns the writer the
 * transport uses for the protocol (the real stdout). Idempotent.
 */
function reserveStdout() {
  if (protocolOut) return protocolOut;
  const stdout = process.stdout;
  const write = stdout.write.bind(stdout);
  protocolOut = {
    write: (chunk) => write(chunk),
    once: (event, fn) => stdout.once(event, fn),
  };
  stdout.write = (chunk, encoding, cb) => process.stderr.write(chunk, encoding, cb);
  return protocolOut;
}

/** Values JSON can carry: BigInt as a number, typed arrays as arrays. */
function plain(v) {
  return JSON.parse(JSON.stringify(v, (k, x) => {
    if (typeof x === 'bigint') return Number(x);
    if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return Array.from(x);
    return x;
  }));
}

function errorReply(error) {
  const message = error instanceof ArgumentError ? `Invalid arguments: ${error.message}` : (error && error.message) || String(error);
  const data = { error: { message } };
  if (error instanceof ArgumentError) data.error.field = error.field;
  else if (error && error.code) data.error.code = String(error.code);
  // agentdb's wording: "❌ Error: message", or the tool's own prefix (agentdb_delete: "Delete operation failed")
  return { content: [{ type: 'text', text: `❌ ${(error && error.replyPrefix) || 'Error'}: ${message}` }], structuredContent: data, isError: true };
}

/**
 * Serve `tools` ([{name, description, inputSchema}]) on stdio.
 *   info       {name, version} of the server
 *   call       async (name, args) -> {text, data}; args checked, defaults in
 *   exclusive  Set of tool names that run alone
 *   close      async () -> closes what the tools use (the database)
 *   log        (line) -> written to stderr
 * Resolves to the exit code once the server has shut down.
 */
function serve({ info, tools, call, exclusive = new Set(), close, log = (l) => process.stderr.write(`${l}\n`) }) {
  const out = reserveStdout();
  const byName = new Map(tools.map((t) => [t.name, t]));
  const server = new Server(info, { capabilities: { tools: {} } });
  const inFlight = new Set();
  let exclusiveTail = Promise.resolve(); // the last exclusive call: later calls start after it
  let closing = null;

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const { name, arguments: raw } = request.params;
    if (closing) return errorReply(new Error('the server is shutting down'));
    const run = async () => {
      const tool = byName.get(name);
      if (!tool) throw new Error(`Unknown tool: ${name}`);
      const args = checkArguments(tool.inputSchema, raw);
      const { text, data } = await call(name, args);
      return { content: [{ type: 'text', text }], structuredContent: plain(data) };
    };
    let p;
    if (exclusive.has(name)) {
      const before = [...inFlight];
      p = exclusiveTail.then(() => Promise.allSettled(before)).then(run);
      exclusiveTail = p.catch(() => {});
    } else {
      p = exclusiveTail.then(run);
    }
    const settled = p.then((r) => r, errorReply);
    inFlight.add(settled);
    settled.finally(() => inFlight.delete(settled));
    return settled;
  });

  return new Promise((resolve) => {
    const shutdown = (why) => {
      if (closing) return;
      log(`${info.name}: ${why}; closing`);
      closing = (async () => {
        let code = 0;
        while (inFlight.size) await Promise.allSettled([...inFlight]);
        await new Promise((r) => setImmediate(r)); // the SDK sends the last replies in promise callbacks
        try {
          await server.close();
        } catch (e) {
          log(`${info.name}: closing the transport: ${e.message}`);
        }
        try {
          await close();
        } catch (e) {
          log(`${info.name}: closing the database: ${e.message}`);
          code = 1;
        }
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        resolve(code);
      })();
    };
    const onInt = () => shutdown('SIGINT');
    const onTerm = () => shutdown('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.stdin.on('end', () => shutdown('end of input'));
    const transport = new StdioServerTransport(process.stdin, out);
    server.onerror = (e) => log(`${info.name}: ${e.message}`);
    server.connect(transport).then(
      () => log(`${info.name}: serving ${tools.length} tools on stdio`),
      (e) => { log(`${info.name}: ${e.message}`); shutdown('transport failed'); });
  });
}

module.exports = { serve, reserveStdout, plain, errorReply };
