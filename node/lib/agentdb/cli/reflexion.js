'use strict';
// agentdb CLI, reflexion family: `reflexion` (store, retrieve,
// critique-summary, prune), with its AgentDBCLI methods (ReflexionCommands).
const { ContextSynthesizer } = require('../controllers/ContextSynthesizer');
const { MetadataFilter } = require('../controllers/MetadataFilter');
const { exit, colors, log } = require('./common');
const { printHelp } = require('./help');

class ReflexionCommands {
  // ============================================================================
  // Reflexion Commands
  // ============================================================================
  async reflexionStoreEpisode(params) {
    if (!this.reflexion)
      throw new Error('Not initialized');
    log.header('\n💭 Storing Episode');
    log.info(`Task: ${params.task}`);
    log.info(`Success: ${params.success ? 'Yes' : 'No'}`);
    log.info(`Reward: ${params.reward.toFixed(2)}`);
    const episodeId = await this.reflexion.storeEpisode(params);
    // Save database to persist changes
    this.db.save();
    log.success(`Stored episode #${episodeId}`);
    if (params.critique) {
      log.info(`Critique: "${params.critique}"`);
    }
  }
  async reflexionRetrieve(params) {
    if (!this.reflexion)
      throw new Error('Not initialized');
    log.header('\n🔍 Retrieving Past Episodes');
    log.info(`Task: "${params.task}"`);
    log.info(`k: ${params.k || 5}`);
    if (params.onlyFailures)
      log.info('Filter: Failures only');
    if (params.onlySuccesses)
      log.info('Filter: Successes only');
    if (params.synthesizeContext)
      log.info('Context synthesis: enabled');
    let episodes = await this.reflexion.retrieveRelevant({
      task: params.task,
      k: params.k || 5,
      onlyFailures: params.onlyFailures,
      onlySuccesses: params.onlySuccesses,
      minReward: params.minReward
    });
    // Apply metadata filters if provided
    if (params.filters && Object.keys(params.filters).length > 0) {
      episodes = MetadataFilter.apply(episodes, params.filters);
      log.info(`Filtered to ${episodes.length} results matching metadata criteria`);
    }
    if (episodes.length === 0) {
      log.warning('No episodes found');
      return;
    }
    console.log('\n' + '═'.repeat(80));
    episodes.forEach((ep, i) => {
      console.log(`${colors.bright}#${i + 1}: Episode ${ep.id}${colors.reset}`);
      console.log(`  Task: ${ep.task}`);
      console.log(`  Reward: ${colors.green}${ep.reward.toFixed(2)}${colors.reset}`);
      console.log(`  Success: ${ep.success ? colors.green + 'Yes' : colors.red + 'No'}${colors.reset}`);
      console.log(`  Similarity: ${colors.cyan}${ep.similarity?.toFixed(3) || 'N/A'}${colors.reset}`);
      if (ep.critique) {
        console.log(`  Critique: "${ep.critique}"`);
      }
      console.log('─'.repeat(80));
    });
    log.success(`Retrieved ${episodes.length} relevant episodes`);
    // Synthesize context if requested
    if (params.synthesizeContext && episodes.length > 0) {
      const context = ContextSynthesizer.synthesize(episodes.map(ep => ({
        task: ep.task,
        reward: ep.reward,
        success: ep.success,
        critique: ep.critique,
        input: ep.input,
        output: ep.output,
        similarity: ep.similarity
      })));
      console.log('\n' + '═'.repeat(80));
      console.log(`${colors.bright}${colors.cyan}SYNTHESIZED CONTEXT${colors.reset}`);
      console.log('═'.repeat(80));
      console.log(`\n${context.summary}\n`);
      if (context.patterns.length > 0) {
        console.log(`${colors.yellow}Common Patterns:${colors.reset}`);
        context.patterns.forEach(p => console.log(`  • ${p}`));
        console.log('');
      }
      if (context.keyInsights.length > 0) {
        console.log(`${colors.cyan}Key Insights:${colors.reset}`);
        context.keyInsights.forEach(i => console.log(`  • ${i}`));
        console.log('');
      }
      if (context.recommendations.length > 0) {
        console.log(`${colors.green}Recommendations:${colors.reset}`);
        context.recommendations.forEach((r, i) => console.log(`  ${i + 1}. ${r}`));
        console.log('');
      }
      console.log('═'.repeat(80));
    }
  }
  async reflexionRetrieveJson(params) {
    if (!this.reflexion)
      throw new Error('Not initialized');
    const episodes = await this.reflexion.retrieveRelevant({
      task: params.task,
      k: params.k || 5,
      onlyFailures: params.onlyFailures,
      onlySuccesses: params.onlySuccesses,
      minReward: params.minReward
    });
    return episodes;
  }
  async reflexionGetCritiqueSummary(params) {
    if (!this.reflexion)
      throw new Error('Not initialized');
    log.header('\n📋 Critique Summary');
    log.info(`Task: "${params.task}"`);
    const summary = await this.reflexion.getCritiqueSummary({
      task: params.task,
      k: params.k
    });
    console.log('\n' + '═'.repeat(80));
    console.log(colors.bright + 'Past Lessons:' + colors.reset);
    console.log(summary);
    console.log('═'.repeat(80));
  }
  async reflexionPrune(params) {
    if (!this.reflexion)
      throw new Error('Not initialized');
    log.header('\n🧹 Pruning Episodes');
    const pruned = this.reflexion.pruneEpisodes({
      minReward: params.minReward || 0.3,
      maxAgeDays: params.maxAgeDays || 30,
      keepMinPerTask: params.keepMinPerTask || 5
    });
    log.success(`Pruned ${pruned} low-quality episodes`);
  }
}
async function handleReflexionCommands(cli, subcommand, args) {
  if (subcommand === 'store') {
    await cli.reflexionStoreEpisode({
      sessionId: args[0],
      task: args[1],
      reward: parseFloat(args[2]),
      success: args[3] === 'true',
      critique: args[4],
      input: args[5],
      output: args[6],
      latencyMs: args[7] ? parseInt(args[7]) : undefined,
      tokensUsed: args[8] ? parseInt(args[8]) : undefined
    });
  }
  else if (subcommand === 'retrieve') {
    // Parse retrieve command with new flags
    let task = args[0];
    let k = undefined;
    let minReward = undefined;
    let onlyFailures = undefined;
    let onlySuccesses = undefined;
    let synthesizeContext = false;
    let filters = {};
    for (let i = 1; i < args.length; i++) {
      const arg = args[i];
      if (arg === '--k' && i + 1 < args.length) {
        k = parseInt(args[++i]);
      }
      else if (arg === '--min-reward' && i + 1 < args.length) {
        minReward = parseFloat(args[++i]);
      }
      else if (arg === '--only-failures') {
        onlyFailures = true;
      }
      else if (arg === '--only-successes') {
        onlySuccesses = true;
      }
      else if (arg === '--synthesize-context') {
        synthesizeContext = true;
      }
      else if (arg === '--filters' && i + 1 < args.length) {
        try {
          filters = JSON.parse(args[++i]);
        }
        catch (error) {
          log.error(`Invalid JSON in --filters parameter: ${error.message}`);
          exit(1);
        }
      }
      else if (!arg.startsWith('--') && k === undefined) {
        // Legacy positional argument parsing
        k = parseInt(arg);
        if (i + 1 < args.length && !args[i + 1].startsWith('--')) {
          minReward = parseFloat(args[++i]);
        }
        if (i + 1 < args.length && args[i + 1] === 'true') {
          onlyFailures = true;
          i++;
        }
        if (i + 1 < args.length && args[i + 1] === 'true') {
          onlySuccesses = true;
          i++;
        }
      }
    }
    await cli.reflexionRetrieve({
      task,
      k,
      minReward,
      onlyFailures,
      onlySuccesses,
      synthesizeContext,
      filters: Object.keys(filters).length > 0 ? filters : undefined
    });
  }
  else if (subcommand === 'critique-summary') {
    await cli.reflexionGetCritiqueSummary({
      task: args[0],
      k: args[1] ? parseInt(args[1]) : undefined
    });
  }
  else if (subcommand === 'prune') {
    await cli.reflexionPrune({
      maxAgeDays: args[0] ? parseInt(args[0]) : undefined,
      minReward: args[1] ? parseFloat(args[1]) : undefined
    });
  }
  else {
    log.error(`Unknown reflexion subcommand: ${subcommand}`);
    printHelp();
  }
}

module.exports = { ReflexionCommands, handleReflexionCommands };
