'use strict';
// agentdb CLI: AgentDBCLI, the session most commands run in (the database
// and the controllers over it). Its command methods live with their
// families (causal.js, reflexion.js, skill.js, sync.js) and are mixed in
// here, as class methods: non-enumerable, on the prototype.
const { CausalMemoryGraph } = require('../controllers/CausalMemoryGraph');
const { CausalRecall } = require('../controllers/CausalRecall');
const { ExplainableRecall } = require('../controllers/ExplainableRecall');
const { NightlyLearner } = require('../controllers/NightlyLearner');
const { ReflexionMemory } = require('../controllers/ReflexionMemory');
const { SkillLibrary } = require('../controllers/SkillLibrary');
const { EmbeddingService } = require('../controllers/EmbeddingService');
const { openDb, colors, log } = require('./common');
const { CausalCommands } = require('./causal');
const { ReflexionCommands } = require('./reflexion');
const { SkillCommands } = require('./skill');
const { SyncCommands } = require('./sync');

class AgentDBCLI {
  db; // Database instance from createDatabase (public for init command)
  causalGraph;
  causalRecall;
  explainableRecall;
  nightlyLearner;
  reflexion;
  skills;
  embedder;
  async initialize(dbPath = './agentdb.db') {
    // Initialize database
    this.db = await openDb(dbPath);
    // Configure for performance (agentdb also set synchronous = NORMAL: we keep
    // FULL, every write durable); the schema was applied by createDatabase
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('cache_size = -64000');
    // Initialize embedding service
    this.embedder = new EmbeddingService({
      model: 'Xenova/all-MiniLM-L6-v2',
      dimension: 384,
      provider: 'transformers'
    });
    await this.embedder.initialize();
    // Initialize controllers
    this.causalGraph = new CausalMemoryGraph(this.db);
    this.explainableRecall = new ExplainableRecall(this.db);
    this.causalRecall = new CausalRecall(this.db, this.embedder, {
      alpha: 0.7,
      beta: 0.2,
      gamma: 0.1,
      minConfidence: 0.6
    });
    this.nightlyLearner = new NightlyLearner(this.db, this.embedder);
    this.reflexion = new ReflexionMemory(this.db, this.embedder);
    this.skills = new SkillLibrary(this.db, this.embedder);
  }
  // ============================================================================
  // Database Commands
  // ============================================================================
  async dbStats() {
    if (!this.db)
      throw new Error('Not initialized');
    log.header('\n📊 Database Statistics');
    const tables = ['causal_edges', 'causal_experiments', 'causal_observations',
      'certificates', 'provenance_lineage', 'episodes'];
    console.log('\n' + '═'.repeat(80));
    tables.forEach(table => {
      try {
        const count = this.db.prepare(`SELECT COUNT(*) as count FROM ${table}`).get();
        console.log(`${colors.bright}${table}:${colors.reset} ${colors.cyan}${count.count}${colors.reset} records`);
      }
      catch (e) {
        console.log(`${colors.bright}${table}:${colors.reset} ${colors.yellow}N/A${colors.reset}`);
      }
    });
    console.log('═'.repeat(80));
  }
}

for (const family of [CausalCommands, ReflexionCommands, SkillCommands, SyncCommands]) {
  for (const name of Object.getOwnPropertyNames(family.prototype)) {
    if (name !== 'constructor') Object.defineProperty(AgentDBCLI.prototype, name, Object.getOwnPropertyDescriptor(family.prototype, name));
  }
}

module.exports = { AgentDBCLI };
