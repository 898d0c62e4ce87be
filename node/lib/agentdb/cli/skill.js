'use strict';
// agentdb CLI, skill family: `skill` (create, search, consolidate, prune),
// with its AgentDBCLI methods (SkillCommands).
const { colors, log } = require('./common');
const { printHelp } = require('./help');

class SkillCommands {
  // ============================================================================
  // Skill Library Commands
  // ============================================================================
  async skillCreate(params) {
    if (!this.skills)
      throw new Error('Not initialized');
    log.header('\n🎯 Creating Skill');
    log.info(`Name: ${params.name}`);
    log.info(`Description: ${params.description}`);
    const skillId = await this.skills.createSkill({
      name: params.name,
      description: params.description,
      signature: { inputs: {}, outputs: {} },
      code: params.code,
      successRate: params.successRate || 0.0,
      uses: 0,
      avgReward: 0.0,
      avgLatencyMs: 0.0,
      createdFromEpisode: params.episodeId
    });
    // Save database to persist changes
    this.db.save();
    log.success(`Created skill #${skillId}`);
  }
  async skillSearch(params) {
    if (!this.skills)
      throw new Error('Not initialized');
    log.header('\n🔍 Searching Skills');
    log.info(`Task: "${params.task}"`);
    log.info(`Min Success Rate: ${params.minSuccessRate || 0.0}`);
    const skills = await this.skills.searchSkills({
      task: params.task,
      k: params.k || 10,
      minSuccessRate: params.minSuccessRate || 0.0
    });
    if (skills.length === 0) {
      log.warning('No skills found');
      return;
    }
    console.log('\n' + '═'.repeat(80));
    skills.forEach((skill, i) => {
      console.log(`${colors.bright}#${i + 1}: ${skill.name}${colors.reset}`);
      console.log(`  Description: ${skill.description}`);
      console.log(`  Success Rate: ${colors.green}${(skill.successRate * 100).toFixed(1)}%${colors.reset}`);
      console.log(`  Uses: ${skill.uses}`);
      console.log(`  Avg Reward: ${skill.avgReward.toFixed(2)}`);
      console.log(`  Avg Latency: ${skill.avgLatencyMs.toFixed(0)}ms`);
      console.log('─'.repeat(80));
    });
    log.success(`Found ${skills.length} matching skills`);
  }
  async skillConsolidate(params) {
    if (!this.skills)
      throw new Error('Not initialized');
    log.header('\n🔄 Consolidating Episodes into Skills with Pattern Extraction');
    log.info(`Min Attempts: ${params.minAttempts || 3}`);
    log.info(`Min Reward: ${params.minReward || 0.7}`);
    log.info(`Time Window: ${params.timeWindowDays || 7} days`);
    log.info(`Pattern Extraction: ${params.extractPatterns !== false ? 'Enabled' : 'Disabled'}`);
    const startTime = Date.now();
    const result = await this.skills.consolidateEpisodesIntoSkills({
      minAttempts: params.minAttempts || 3,
      minReward: params.minReward || 0.7,
      timeWindowDays: params.timeWindowDays || 7,
      extractPatterns: params.extractPatterns !== false
    });
    // Save database to persist changes
    this.db.save();
    const duration = Date.now() - startTime;
    log.success(`Created ${result.created} new skills, updated ${result.updated} existing skills in ${duration}ms`);
    // Display extracted patterns if available
    if (result.patterns.length > 0) {
      console.log('\n' + '═'.repeat(80));
      console.log(`${colors.bright}${colors.cyan}Extracted Patterns:${colors.reset}`);
      console.log('═'.repeat(80));
      result.patterns.forEach((pattern, i) => {
        console.log(`\n${colors.bright}#${i + 1}: ${pattern.task}${colors.reset}`);
        console.log(`  Avg Reward: ${colors.green}${pattern.avgReward.toFixed(2)}${colors.reset}`);
        if (pattern.commonPatterns.length > 0) {
          console.log(`  ${colors.cyan}Common Patterns:${colors.reset}`);
          pattern.commonPatterns.forEach(p => console.log(`    • ${p}`));
        }
        if (pattern.successIndicators.length > 0) {
          console.log(`  ${colors.yellow}Success Indicators:${colors.reset}`);
          pattern.successIndicators.forEach(s => console.log(`    • ${s}`));
        }
        console.log('─'.repeat(80));
      });
    }
    if (result.created === 0 && result.updated === 0) {
      log.warning('No episodes met the criteria for skill consolidation');
      log.info('Try lowering minReward or increasing timeWindowDays');
    }
  }
  async skillPrune(params) {
    if (!this.skills)
      throw new Error('Not initialized');
    log.header('\n🧹 Pruning Skills');
    const pruned = this.skills.pruneSkills({
      minUses: params.minUses || 3,
      minSuccessRate: params.minSuccessRate || 0.4,
      maxAgeDays: params.maxAgeDays || 60
    });
    log.success(`Pruned ${pruned} underperforming skills`);
  }
}
async function handleSkillCommands(cli, subcommand, args) {
  if (subcommand === 'create') {
    await cli.skillCreate({
      name: args[0],
      description: args[1],
      code: args[2]
    });
  }
  else if (subcommand === 'search') {
    await cli.skillSearch({
      task: args[0],
      k: args[1] ? parseInt(args[1]) : undefined
    });
  }
  else if (subcommand === 'consolidate') {
    await cli.skillConsolidate({
      minAttempts: args[0] ? parseInt(args[0]) : undefined,
      minReward: args[1] ? parseFloat(args[1]) : undefined,
      timeWindowDays: args[2] ? parseInt(args[2]) : undefined,
      extractPatterns: args[3] !== 'false' // Default true, set to false if explicitly passed
    });
  }
  else if (subcommand === 'prune') {
    await cli.skillPrune({
      minUses: args[0] ? parseInt(args[0]) : undefined,
      minSuccessRate: args[1] ? parseFloat(args[1]) : undefined,
      maxAgeDays: args[2] ? parseInt(args[2]) : undefined
    });
  }
  else {
    log.error(`Unknown skill subcommand: ${subcommand}`);
    printHelp();
  }
}

module.exports = { SkillCommands, handleSkillCommands };
