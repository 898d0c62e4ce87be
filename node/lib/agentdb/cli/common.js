'use strict';
// agentdb CLI: what every command family shares: the databases a run
// opened (closed by main() before the process exits), exit() that unwinds
// to main(), and the coloured log.
const { createDatabase } = require('../database');

// Databases opened by this run, closed (their vector indexes saved) before
// the process exits.
const opened = new Set();
async function openDb(p) {
  const db = await createDatabase(p);
  opened.add(db);
  return db;
}

// agentdb called exit() in many places; here exit() unwinds to
// main(), which closes the databases first.
class CliExit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.exitCode = code;
  }
}
function exit(code) {
  throw new CliExit(code);
}

// Color codes for terminal output
const colors = {
  reset: '\x1b[0m',
  bright: '\x1b[1m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  red: '\x1b[31m',
  cyan: '\x1b[36m'
};
const log = {
  success: (msg) => console.log(`${colors.green}✅ ${msg}${colors.reset}`),
  error: (msg) => console.error(`${colors.red}❌ ${msg}${colors.reset}`),
  info: (msg) => console.log(`${colors.blue}ℹ ${msg}${colors.reset}`),
  warning: (msg) => console.log(`${colors.yellow}⚠ ${msg}${colors.reset}`),
  header: (msg) => console.log(`${colors.bright}${colors.cyan}${msg}${colors.reset}`)
};

module.exports = { openDb, opened, CliExit, exit, colors, log };
