'use strict';
// agentdb CLI, learning family: `learning` (LearningSystem sessions),
// `query`, `store-pattern`, `train` and `optimize-memory`.
const { LearningSystem } = require('../controllers/LearningSystem');
const { ContextSynthesizer } = require('../controllers/ContextSynthesizer');
const { MetadataFilter } = require('../controllers/MetadataFilter');
const { exit, log } = require('./common');

// learning: LearningSystem from the command line (not in agentdb 1.6.1's
// CLI, which offered it only through its MCP server). Prints JSON.
async function handleLearningCommands(cli, subcommand, args) {
  const ls = new LearningSystem(cli.db, cli.embedder);
  const num = (v, d) => (v === undefined ? d : Number(v));
  let out;
  if (subcommand === 'start') {
    if (!args[0] || !args[1]) {
      log.error('Usage: agentdb learning start <user-id> <session-type> [learning-rate=0.01] [discount-factor=0.99] [exploration-rate=0.1]');
      exit(1);
    }
    const id = await ls.startSession(args[0], args[1], {
      learningRate: num(args[2], 0.01),
      discountFactor: num(args[3], 0.99),
      explorationRate: num(args[4], 0.1),
    });
    out = { sessionId: id };
  } else if (subcommand === 'predict') {
    out = await ls.predict(args[0], args[1]);
  } else if (subcommand === 'feedback') {
    if (args.length < 5) {
      log.error('Usage: agentdb learning feedback <session-id> <state> <action> <reward> <success> [next-state]');
      exit(1);
    }
    await ls.submitFeedback({
      sessionId: args[0], state: args[1], action: args[2], reward: parseFloat(args[3]),
      success: args[4] === 'true', nextState: args[5], timestamp: Date.now(),
    });
    out = { success: true };
  } else if (subcommand === 'train') {
    out = await ls.train(args[0], num(args[1], 50), num(args[2], 32), num(args[3], 0.01));
  } else if (subcommand === 'end') {
    await ls.endSession(args[0]);
    out = { success: true };
  } else if (subcommand === 'metrics') {
    out = await ls.getMetrics({ sessionId: args[0], timeWindowDays: num(args[1], 7) });
  } else {
    log.error(`Unknown learning subcommand: ${subcommand}`);
    log.info('Available subcommands: start, predict, feedback, train, end, metrics');
    exit(1);
  }
  console.log(JSON.stringify(out, null, 2));
}
// Query command - semantic search across reflexion episodes with context synthesis
async function handleQueryCommand(cli, args) {
  // Parse command-line arguments
  let domain = '';
  let query = '';
  let k = 5;
  let minConfidence = 0.0;
  let format = 'json';
  let synthesizeContext = false;
  let filters = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--domain' && i + 1 < args.length) {
      domain = args[++i];
    }
    else if (args[i] === '--query' && i + 1 < args.length) {
      query = args[++i];
    }
    else if (args[i] === '--k' && i + 1 < args.length) {
      k = parseInt(args[++i]);
    }
    else if (args[i] === '--min-confidence' && i + 1 < args.length) {
      minConfidence = parseFloat(args[++i]);
    }
    else if (args[i] === '--format' && i + 1 < args.length) {
      format = args[++i];
    }
    else if (args[i] === '--synthesize-context') {
      synthesizeContext = true;
    }
    else if (args[i] === '--filters' && i + 1 < args.length) {
      try {
        filters = JSON.parse(args[++i]);
      }
      catch (error) {
        log.error(`Invalid JSON in --filters parameter: ${error.message}`);
        exit(1);
      }
    }
  }
  if (!query) {
    log.error('Missing required --query parameter');
    exit(1);
  }
  // Validate filters if provided
  if (Object.keys(filters).length > 0) {
    const validation = MetadataFilter.validate(filters);
    if (!validation.valid) {
      log.error('Invalid filters:');
      validation.errors.forEach(err => log.error(`  - ${err}`));
      exit(1);
    }
  }
  // Use reflexionRetrieveJson method for JSON output
  let results = await cli.reflexionRetrieveJson({
    task: query,
    k,
    minReward: minConfidence,
    onlySuccesses: domain === 'successful-edits'
  });
  // Apply metadata filters if provided
  if (Object.keys(filters).length > 0) {
    results = MetadataFilter.apply(results, filters);
    log.info(`Filtered to ${results.length} results matching metadata criteria`);
  }
  // Synthesize context if requested
  if (synthesizeContext && results.length > 0) {
    const context = ContextSynthesizer.synthesize(results.map((r) => ({
      task: r.task,
      reward: r.reward,
      success: r.success,
      critique: r.critique,
      input: r.input,
      output: r.output,
      similarity: r.similarity
    })));
    if (format === 'json') {
      console.log(JSON.stringify({ results, synthesizedContext: context }, null, 2));
    }
    else {
      console.log('\n' + '═'.repeat(80));
      console.log('SYNTHESIZED CONTEXT');
      console.log('═'.repeat(80));
      console.log(`\n${context.summary}\n`);
      if (context.patterns.length > 0) {
        console.log('Common Patterns:');
        context.patterns.forEach(p => console.log(`  • ${p}`));
        console.log('');
      }
      if (context.keyInsights.length > 0) {
        console.log('Key Insights:');
        context.keyInsights.forEach(i => console.log(`  • ${i}`));
        console.log('');
      }
      if (context.recommendations.length > 0) {
        console.log('Recommendations:');
        context.recommendations.forEach((r, i) => console.log(`  ${i + 1}. ${r}`));
        console.log('');
      }
      console.log('═'.repeat(80));
      console.log(`\nMatched ${results.length} memories\n`);
    }
  }
  else {
    if (format === 'json') {
      console.log(JSON.stringify(results, null, 2));
    }
    else {
      console.log(results);
    }
  }
}
// Store-pattern command - store learned patterns
async function handleStorePatternCommand(cli, args) {
  let type = '';
  let domain = '';
  let pattern = '';
  let confidence = 0.5;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--type' && i + 1 < args.length) {
      type = args[++i];
    }
    else if (args[i] === '--domain' && i + 1 < args.length) {
      domain = args[++i];
    }
    else if (args[i] === '--pattern' && i + 1 < args.length) {
      pattern = args[++i];
    }
    else if (args[i] === '--confidence' && i + 1 < args.length) {
      confidence = parseFloat(args[++i]);
    }
  }
  if (!pattern) {
    log.error('Missing required --pattern parameter');
    exit(1);
  }
  // Parse pattern JSON
  let patternData;
  try {
    patternData = JSON.parse(pattern);
  }
  catch (error) {
    log.error('Invalid JSON in --pattern parameter');
    exit(1);
  }
  // Store as reflexion episode with pattern metadata
  const sessionId = `pattern-${Date.now()}-${Math.random().toString(36).substring(7)}`;
  await cli.reflexionStoreEpisode({
    sessionId,
    task: `${type}:${domain}`,
    reward: confidence,
    success: true,
    critique: JSON.stringify({
      type,
      domain,
      pattern: patternData,
      storedAt: Date.now()
    })
  });
  console.log(JSON.stringify({ success: true, sessionId }, null, 2));
}
// Train command - trigger pattern learning
async function handleTrainCommand(cli, args) {
  let domain = '';
  let epochs = 10;
  let batchSize = 32;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--domain' && i + 1 < args.length) {
      domain = args[++i];
    }
    else if (args[i] === '--epochs' && i + 1 < args.length) {
      epochs = parseInt(args[++i]);
    }
    else if (args[i] === '--batch-size' && i + 1 < args.length) {
      batchSize = parseInt(args[++i]);
    }
  }
  // Run learner to discover causal patterns
  log.info(`Training on domain: ${domain || 'all'} (${epochs} epochs, batch size: ${batchSize})`);
  await cli.learnerRun({
    minAttempts: 3,
    minSuccessRate: 0.6,
    minConfidence: 0.7,
    dryRun: false
  });
  // Also consolidate skills from successful episodes
  await cli.skillConsolidate({
    minAttempts: 3,
    minReward: 0.7,
    timeWindowDays: 7,
    extractPatterns: true
  });
  console.log(JSON.stringify({ success: true, message: 'Training completed' }, null, 2));
}
// Optimize-memory command - memory consolidation and compression
async function handleOptimizeMemoryCommand(cli, args) {
  let compress = true;
  let consolidatePatterns = true;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--compress' && i + 1 < args.length) {
      compress = args[++i] === 'true';
    }
    else if (args[i] === '--consolidate-patterns' && i + 1 < args.length) {
      consolidatePatterns = args[++i] === 'true';
    }
  }
  log.info('Optimizing memory...');
  // Prune old/low-quality episodes
  if (compress) {
    await cli.reflexionPrune({
      maxAgeDays: 90,
      minReward: 0.3
    });
  }
  // Consolidate patterns into skills
  if (consolidatePatterns) {
    await cli.skillConsolidate({
      minAttempts: 3,
      minReward: 0.7,
      timeWindowDays: 7,
      extractPatterns: true
    });
  }
  // Prune underperforming skills
  await cli.skillPrune({
    minUses: 3,
    minSuccessRate: 0.4,
    maxAgeDays: 60
  });
  // Prune low-confidence causal edges
  await cli.learnerPrune({
    minConfidence: 0.5,
    minUplift: 0.05,
    maxAgeDays: 90
  });
  console.log(JSON.stringify({ success: true, message: 'Memory optimization completed' }, null, 2));
}

module.exports = { handleLearningCommands, handleQueryCommand, handleStorePatternCommand, handleTrainCommand, handleOptimizeMemoryCommand };
