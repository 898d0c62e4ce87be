'use strict';
// The agentdb command line (agentdb 1.6.1's dist/cli/agentdb-cli.js, MIT,
// ruv), over ruvector's agentdb layer: same commands, arguments, defaults
// and output. Differences (listed in the README):
//   - every write is on disk when the command ends (agentdb's sql.js image
//     was saved only by some commands: causal add-edge, experiment create,
//     learner and skill prune lost their writes);
//   - vector-search reads the database it is given (agentdb always opened
//     ./agentdb.db), decodes the stored float32 embeddings (agentdb read the
//     blob's bytes as numbers), and searches all episodes through the C index
//     for the cosine metric (agentdb scanned the first k*10 rows);
//   - 'learning' subcommands drive LearningSystem (start, predict, feedback,
//     train, end, metrics), whose state now persists between runs;
//   - `mcp start` serves agentdb's 29 MCP tools on this layer (mcp.js);
//     sync (QUIC) commands are not provided;
//   - synchronous=FULL is kept (agentdb set NORMAL).
//
// This file is the dispatcher: run() picks the command family; each family
// is a file of this folder (causal, reflexion, skill, learning, vectors,
// init, sync, mcp), over session.js (AgentDBCLI) and common.js.
const { opened, CliExit, exit, log } = require('./common');
const { printHelp } = require('./help');
const { AgentDBCLI } = require('./session');
const { handleInitCommand, handleDbCommands } = require('./init');
const { handleCausalCommands, handleRecallCommands, handleLearnerCommands } = require('./causal');
const { handleReflexionCommands } = require('./reflexion');
const { handleSkillCommands } = require('./skill');
const { handleSyncCommands } = require('./sync');
const { handleMcpCommand } = require('./mcp');
const { handleLearningCommands, handleQueryCommand, handleStorePatternCommand, handleTrainCommand, handleOptimizeMemoryCommand } = require('./learning');
const { handleVectorSearchCommand, handleExportCommand, handleImportCommand, handleStatsCommand } = require('./vectors');

// ============================================================================
// CLI Entry Point
// ============================================================================
async function run(args) {
  // Handle version flag
  if (args[0] === '--version' || args[0] === '-v' || args[0] === 'version') {
    const { version } = require('../../../package.json');
    console.log(`agentdb v1.6.1 (ruvector ${version})`);
    exit(0);
  }
  // Handle help - show help if no args or help flag
  if (args.length === 0 || args[0] === 'help' || args[0] === '--help' || args[0] === '-h') {
    printHelp();
    exit(0);
  }
  const command = args[0];
  // Handle MCP server command separately (doesn't need CLI initialization)
  if (command === 'mcp') {
    await handleMcpCommand(args.slice(1));
    return;
  }
  // Handle init command
  if (command === 'init') {
    await handleInitCommand(args.slice(1));
    return;
  }
  // Handle vector search commands (no CLI initialization needed)
  if (command === 'vector-search') {
    await handleVectorSearchCommand(args.slice(1));
    return;
  }
  if (command === 'export') {
    await handleExportCommand(args.slice(1));
    return;
  }
  if (command === 'import') {
    await handleImportCommand(args.slice(1));
    return;
  }
  if (command === 'stats') {
    await handleStatsCommand(args.slice(1));
    return;
  }
  const cli = new AgentDBCLI();
  const dbPath = process.env.AGENTDB_PATH || './agentdb.db';
  try {
    await cli.initialize(dbPath);
    const subcommand = args[1];
    if (command === 'causal') {
      await handleCausalCommands(cli, subcommand, args.slice(2));
    }
    else if (command === 'recall') {
      await handleRecallCommands(cli, subcommand, args.slice(2));
    }
    else if (command === 'learner') {
      await handleLearnerCommands(cli, subcommand, args.slice(2));
    }
    else if (command === 'reflexion') {
      await handleReflexionCommands(cli, subcommand, args.slice(2));
    }
    else if (command === 'skill') {
      await handleSkillCommands(cli, subcommand, args.slice(2));
    }
    else if (command === 'db') {
      await handleDbCommands(cli, subcommand, args.slice(2));
    }
    else if (command === 'sync') {
      await handleSyncCommands(cli, subcommand, args.slice(2));
    }
    else if (command === 'query') {
      await handleQueryCommand(cli, args.slice(1));
    }
    else if (command === 'store-pattern') {
      await handleStorePatternCommand(cli, args.slice(1));
    }
    else if (command === 'train') {
      await handleTrainCommand(cli, args.slice(1));
    }
    else if (command === 'optimize-memory') {
      await handleOptimizeMemoryCommand(cli, args.slice(1));
    }
    else if (command === 'learning') {
      await handleLearningCommands(cli, subcommand, args.slice(2));
    }
    else {
      log.error(`Unknown command: ${command}`);
      printHelp();
      exit(1);
    }
  }
  catch (error) {
    if (error instanceof CliExit) throw error;
    log.error(error.message);
    exit(1);
  }
}

/**
 * Run the command line `argv` (process.argv's shape), then close every
 * database it opened (so that their vector indexes are saved) and exit.
 */
async function main(argv = process.argv) {
  let code = 0;
  try {
    await run(argv.slice(2));
  } catch (error) {
    if (error instanceof CliExit) {
      code = error.exitCode;
    } else {
      console.error('AgentDB CLI Error:', error);
      code = 1;
    }
  }
  for (const db of opened) {
    try {
      await db.closeAsync();
    } catch (e) {
      console.error(`❌ closing ${db.name}: ${e.message}`);
      code = code || 1;
    }
  }
  process.exit(code);
}

module.exports = { AgentDBCLI, main, run };
