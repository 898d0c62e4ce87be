#!/usr/bin/env node
// The ruvector command of the Node package: `ruvector mcp DB` serves the
// database directory DB over MCP on stdio (lib/mcp/ruvector-server.js). The
// C command line (cli/ in the repository) is the full ruvector CLI.
'use strict';
const usage = 'Usage: ruvector mcp <database-directory>   MCP server on stdio over a ruvector database (created if missing)\n';
const [cmd, dir, ...rest] = process.argv.slice(2);
if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
  process.stdout.write(usage);
  process.exit(0);
}
if (cmd !== 'mcp' || !dir || rest.length) {
  process.stderr.write(cmd === 'mcp' ? `ruvector mcp: ${dir ? 'one database directory expected' : 'missing the database directory'}\n${usage}` : usage);
  process.exit(1);
}
require('../lib/mcp/ruvector-server').main(dir).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`ruvector mcp: ${e.message}\n`);
    process.exit(1);
  });
