'use strict';
// agentdb CLI, database family: `init` and `db stats`.
const fs = require('fs');
const path = require('path');
const { openDb, exit, log } = require('./common');
const { printHelp } = require('./help');
const { AgentDBCLI } = require('./session');

// Command handlers
// Init command handler
async function handleInitCommand(args) {
  // Parse arguments
  let dbPath = './agentdb.db';
  let dimension = 1536; // Default OpenAI ada-002
  let preset = null;
  let inMemory = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--dimension' && i + 1 < args.length) {
      dimension = parseInt(args[++i]);
    }
    else if (arg === '--preset' && i + 1 < args.length) {
      preset = args[++i];
    }
    else if (arg === '--in-memory') {
      inMemory = true;
      dbPath = ':memory:';
    }
    else if (!arg.startsWith('--')) {
      dbPath = arg;
    }
  }
  // Apply preset configurations
  if (preset) {
    if (preset === 'small') {
      log.info('Using SMALL preset (<10K vectors)');
    }
    else if (preset === 'medium') {
      log.info('Using MEDIUM preset (10K-100K vectors)');
    }
    else if (preset === 'large') {
      log.info('Using LARGE preset (>100K vectors)');
    }
  }
  log.info(`Initializing AgentDB at: ${dbPath}`);
  log.info(`Embedding dimension: ${dimension}`);
  if (inMemory) {
    log.info('Using in-memory database (data will not persist)');
  }
  // Check if database already exists
  if (!inMemory && fs.existsSync(dbPath)) {
    log.warning(`Database already exists at ${dbPath}`);
    log.info('Use a different path or remove the existing file to reinitialize');
    return;
  }
  // Create parent directories if needed
  if (!inMemory) {
    const parentDir = path.dirname(dbPath);
    if (parentDir !== '.' && !fs.existsSync(parentDir)) {
      log.info(`Creating directory: ${parentDir}`);
      fs.mkdirSync(parentDir, { recursive: true });
    }
  }
  // Create new database with schemas
  const cli = new AgentDBCLI();
  await cli.initialize(dbPath);
  // CRITICAL: Save the database to disk (unless in-memory)
  // sql.js keeps everything in memory until explicitly saved
  if (!inMemory) {
    if (cli.db && typeof cli.db.save === 'function') {
      cli.db.save();
    }
    else if (cli.db && typeof cli.db.close === 'function') {
      // close() calls save() internally
      cli.db.close();
    }
    // Verify database file was created
    if (!fs.existsSync(dbPath)) {
      log.error(`Failed to create database file at ${dbPath}`);
      log.error('The database may be in memory only');
      exit(1);
    }
  }
  // Verify database has tables
  try {
    const db = await openDb(dbPath);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all();
    db.close();
    if (tables.length === 0) {
      log.warning('Database file created but no tables found');
      log.warning('Schemas may not have been loaded correctly');
    }
    else {
      log.success(`Database created with ${tables.length} tables`);
    }
  }
  catch (error) {
    log.warning(`Could not verify database tables: ${error.message}`);
  }
  log.success(`✅ AgentDB initialized successfully at ${dbPath}`);
  log.info('Database includes:');
  log.info('  - Core vector tables (episodes, embeddings)');
  log.info('  - Causal memory graph');
  log.info('  - Reflexion memory');
  log.info('  - Skill library');
  log.info('  - Learning system');
  log.info('');
  log.info('Next steps:');
  log.info('  - Use "agentdb mcp start" to start MCP server');
  log.info('  - Use "agentdb causal add" to add causal edges');
  log.info('  - Use "agentdb reflexion add" to store episodes');
  log.info('  - See "agentdb help" for all commands');
}
async function handleDbCommands(cli, subcommand, args) {
  if (subcommand === 'stats') {
    await cli.dbStats();
  }
  else {
    log.error(`Unknown db subcommand: ${subcommand}`);
    printHelp();
  }
}

module.exports = { handleInitCommand, handleDbCommands };
