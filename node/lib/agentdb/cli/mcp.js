'use strict';
// agentdb CLI: `agentdb mcp start`, the MCP server on stdio
// (lib/mcp/agentdb-server.js). Returns once the server has shut down (stdin
// closed, SIGINT or SIGTERM) and its database is closed.
const { log, exit } = require('./common');

async function handleMcpCommand(args) {
  if (args[0] !== 'start') {
    log.error(`Unknown mcp subcommand: ${args[0] === undefined ? '(none)' : args[0]}`);
    process.stderr.write('Usage: agentdb mcp start\n');
    exit(1);
  }
  const { main } = require('../../mcp/agentdb-server');
  const code = await main();
  if (code !== 0) exit(code);
}

module.exports = { handleMcpCommand };
