'use strict';
// The 29 tools of agentdb 1.6.1's MCP server (dist/mcp/agentdb-mcp-server.js,
// MIT, ruv), copied as it lists them: names, descriptions, input schemas,
// required fields and defaults. agentdb-server.js implements them.
//
// What we add to the schemas, stated in them so that clients see it, and
// listed in README.md: bounds on counts (k, limit, batch sizes, epochs,
// max_transfers: whole numbers within LIMITS) and on batch lengths. A call
// outside them is a tool error naming the field (agentdb accepted k = 10^9
// and tried to allocate for it).
const LIMITS = { k: 10000, batch: 10000, epochs: 10000 };

const tools = [
  // ==========================================================================
  // CORE VECTOR DB OPERATIONS (NEW)
  // ==========================================================================
  {
    name: 'agentdb_init',
    description: 'Initialize AgentDB database with schema and optimizations. Creates all required tables for vector storage, causal memory, skills, and provenance tracking.',
    inputSchema: {
      type: 'object',
      properties: {
        db_path: { type: 'string', description: 'Database file path (optional, defaults to ./agentdb.db)', default: './agentdb.db' },
        reset: { type: 'boolean', description: 'Reset database (delete existing)', default: false },
      },
    },
  },
  {
    name: 'agentdb_insert',
    description: 'Insert a single vector with metadata into AgentDB. Automatically generates embeddings for the provided text.',
    inputSchema: {
      type: 'object',
      properties: {
        text: { type: 'string', description: 'Text content to embed and store' },
        metadata: { type: 'object', description: 'Additional metadata (JSON object)' },
        session_id: { type: 'string', description: 'Session identifier', default: 'default' },
        tags: { type: 'array', items: { type: 'string' }, description: 'Tags for categorization' },
      },
      required: ['text'],
    },
  },
  {
    name: 'agentdb_insert_batch',
    description: 'Batch insert multiple vectors efficiently using transactions and parallel embedding generation. Optimized for large datasets.',
    inputSchema: {
      type: 'object',
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              text: { type: 'string', description: 'Text content to embed' },
              metadata: { type: 'object', description: 'Metadata (JSON)' },
              session_id: { type: 'string', description: 'Session ID' },
              tags: { type: 'array', items: { type: 'string' } },
            },
            required: ['text'],
          },
          description: 'Array of items to insert',
        },
        batch_size: { type: 'number', description: 'Batch size for processing', default: 100 },
      },
      required: ['items'],
    },
  },
  {
    name: 'agentdb_search',
    description: 'Semantic k-NN vector search using cosine similarity. Returns the most relevant results ranked by similarity score.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Search query text' },
        k: { type: 'number', description: 'Number of results to return', default: 10 },
        min_similarity: { type: 'number', description: 'Minimum similarity threshold (0-1)', default: 0.0 },
        filters: {
          type: 'object',
          properties: {
            session_id: { type: 'string', description: 'Filter by session ID' },
            tags: { type: 'array', items: { type: 'string' }, description: 'Filter by tags' },
            min_reward: { type: 'number', description: 'Minimum reward threshold' },
          },
          description: 'Optional filters',
        },
      },
      required: ['query'],
    },
  },
  {
    name: 'agentdb_delete',
    description: 'Delete vector(s) from AgentDB by ID or filters. Supports single ID deletion or bulk deletion with conditions.',
    inputSchema: {
      type: 'object',
      properties: {
        id: { type: 'number', description: 'Specific vector ID to delete' },
        filters: {
          type: 'object',
          properties: {
            session_id: { type: 'string', description: 'Delete all vectors with this session ID' },
            before_timestamp: { type: 'number', description: 'Delete vectors before this Unix timestamp' },
          },
          description: 'Bulk deletion filters (used if id not provided)',
        },
      },
    },
  },
  // ==========================================================================
  // FRONTIER MEMORY FEATURES (EXISTING)
  // ==========================================================================
  {
    name: 'reflexion_store',
    description: 'Store an episode with self-critique for reflexion-based learning',
    inputSchema: {
      type: 'object',
      properties: {
        session_id: { type: 'string', description: 'Session identifier' },
        task: { type: 'string', description: 'Task description' },
        reward: { type: 'number', description: 'Task reward (0-1)' },
        success: { type: 'boolean', description: 'Whether task succeeded' },
        critique: { type: 'string', description: 'Self-critique reflection' },
        input: { type: 'string', description: 'Task input' },
        output: { type: 'string', description: 'Task output' },
        latency_ms: { type: 'number', description: 'Execution latency' },
        tokens: { type: 'number', description: 'Tokens used' },
      },
      required: ['session_id', 'task', 'reward', 'success'],
    },
  },
  {
    name: 'reflexion_retrieve',
    description: 'Retrieve relevant past episodes for learning from experience',
    inputSchema: {
      type: 'object',
      properties: {
        task: { type: 'string', description: 'Task to find similar episodes for' },
        k: { type: 'number', description: 'Number of episodes to retrieve', default: 5 },
        only_failures: { type: 'boolean', description: 'Only retrieve failures' },
        only_successes: { type: 'boolean', description: 'Only retrieve successes' },
        min_reward: { type: 'number', description: 'Minimum reward threshold' },
      },
      required: ['task'],
    },
  },
  {
    name: 'skill_create',
    description: 'Create a reusable skill in the skill library',
    inputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Skill name' },
        description: { type: 'string', description: 'What the skill does' },
        code: { type: 'string', description: 'Skill implementation code' },
        success_rate: { type: 'number', description: 'Initial success rate' },
      },
      required: ['name', 'description'],
    },
  },
  {
    name: 'skill_search',
    description: 'Search for applicable skills by semantic similarity',
    inputSchema: {
      type: 'object',
      properties: {
        task: { type: 'string', description: 'Task to find skills for' },
        k: { type: 'number', description: 'Number of skills to return', default: 10 },
        min_success_rate: { type: 'number', description: 'Minimum success rate filter' },
      },
      required: ['task'],
    },
  },
  {
    name: 'causal_add_edge',
    description: 'Add a causal relationship between actions and outcomes',
    inputSchema: {
      type: 'object',
      properties: {
        cause: { type: 'string', description: 'Causal action/intervention' },
        effect: { type: 'string', description: 'Observed effect/outcome' },
        uplift: { type: 'number', description: 'Causal uplift magnitude' },
        confidence: { type: 'number', description: 'Confidence in causal claim (0-1)', default: 0.95 },
        sample_size: { type: 'number', description: 'Number of observations', default: 0 },
      },
      required: ['cause', 'effect', 'uplift'],
    },
  },
  {
    name: 'causal_query',
    description: 'Query causal effects to understand what actions cause what outcomes',
    inputSchema: {
      type: 'object',
      properties: {
        cause: { type: 'string', description: 'Filter by cause (optional)' },
        effect: { type: 'string', description: 'Filter by effect (optional)' },
        min_confidence: { type: 'number', description: 'Minimum confidence', default: 0.5 },
        min_uplift: { type: 'number', description: 'Minimum uplift', default: 0.0 },
        limit: { type: 'number', description: 'Maximum results', default: 10 },
      },
    },
  },
  {
    name: 'recall_with_certificate',
    description: 'Retrieve memories with causal utility scoring and provenance certificate',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Query for memory retrieval' },
        k: { type: 'number', description: 'Number of results', default: 12 },
        alpha: { type: 'number', description: 'Similarity weight', default: 0.7 },
        beta: { type: 'number', description: 'Causal uplift weight', default: 0.2 },
        gamma: { type: 'number', description: 'Recency weight', default: 0.1 },
      },
      required: ['query'],
    },
  },
  {
    name: 'learner_discover',
    description: 'Automatically discover causal patterns from episode history',
    inputSchema: {
      type: 'object',
      properties: {
        min_attempts: { type: 'number', description: 'Minimum attempts required', default: 3 },
        min_success_rate: { type: 'number', description: 'Minimum success rate', default: 0.6 },
        min_confidence: { type: 'number', description: 'Minimum statistical confidence', default: 0.7 },
        dry_run: { type: 'boolean', description: 'Preview without storing', default: false },
      },
    },
  },
  {
    name: 'db_stats',
    description: 'Get database statistics showing record counts',
    inputSchema: {
      type: 'object',
      properties: {},
    },
  },
  // ==========================================================================
  // LEARNING SYSTEM TOOLS (v1.3.0 - Tools 1-5)
  // ==========================================================================
  {
    name: 'learning_start_session',
    description: 'Start a new reinforcement learning session with specified algorithm and configuration. Supports 9 RL algorithms: q-learning, sarsa, dqn, policy-gradient, actor-critic, ppo, decision-transformer, mcts, model-based.',
    inputSchema: {
      type: 'object',
      properties: {
        user_id: { type: 'string', description: 'User identifier for the learning session' },
        session_type: {
          type: 'string',
          description: 'RL algorithm type',
          enum: ['q-learning', 'sarsa', 'dqn', 'policy-gradient', 'actor-critic', 'ppo', 'decision-transformer', 'mcts', 'model-based'],
        },
        config: {
          type: 'object',
          description: 'Learning configuration parameters',
          properties: {
            learning_rate: { type: 'number', description: 'Learning rate (0-1)', default: 0.01 },
            discount_factor: { type: 'number', description: 'Discount factor gamma (0-1)', default: 0.99 },
            exploration_rate: { type: 'number', description: 'Epsilon for epsilon-greedy exploration (0-1)', default: 0.1 },
            batch_size: { type: 'number', description: 'Batch size for training', default: 32 },
            target_update_frequency: { type: 'number', description: 'Update frequency for target network', default: 100 },
          },
          required: ['learning_rate', 'discount_factor'],
        },
      },
      required: ['user_id', 'session_type', 'config'],
    },
  },
  {
    name: 'learning_end_session',
    description: 'End an active learning session and save the final trained policy to the database.',
    inputSchema: {
      type: 'object',
      properties: {
        session_id: { type: 'string', description: 'Session ID to end' },
      },
      required: ['session_id'],
    },
  },
  {
    name: 'learning_predict',
    description: 'Get AI-recommended action for a given state with confidence scores and alternative actions.',
    inputSchema: {
      type: 'object',
      properties: {
        session_id: { type: 'string', description: 'Learning session ID' },
        state: { type: 'string', description: 'Current state description' },
      },
      required: ['session_id', 'state'],
    },
  },
  {
    name: 'learning_feedback',
    description: 'Submit feedback on action quality to train the RL policy. Feedback includes reward signal and outcome state.',
    inputSchema: {
      type: 'object',
      properties: {
        session_id: { type: 'string', description: 'Learning session ID' },
        state: { type: 'string', description: 'State where action was taken' },
        action: { type: 'string', description: 'Action that was executed' },
        reward: { type: 'number', description: 'Reward received (higher is better)' },
        next_state: { type: 'string', description: 'Resulting state after action (optional)' },
        success: { type: 'boolean', description: 'Whether the action was successful' },
      },
      required: ['session_id', 'state', 'action', 'reward', 'success'],
    },
  },
  {
    name: 'learning_train',
    description: 'Train the RL policy using batch learning with collected experiences. Returns training metrics including loss, average reward, and convergence rate.',
    inputSchema: {
      type: 'object',
      properties: {
        session_id: { type: 'string', description: 'Learning session ID to train' },
        epochs: { type: 'number', description: 'Number of training epochs', default: 50 },
        batch_size: { type: 'number', description: 'Batch size for training', default: 32 },
        learning_rate: { type: 'number', description: 'Learning rate for this training run', default: 0.01 },
      },
      required: ['session_id'],
    },
  },
  // ==========================================================================
  // LEARNING SYSTEM TOOLS (v1.4.0 - Tools 6-10)
  // ==========================================================================
  {
    name: 'learning_metrics',
    description: 'Get learning performance metrics including success rates, rewards, and policy improvement',
    inputSchema: {
      type: 'object',
      properties: {
        session_id: { type: 'string', description: 'Optional session ID to filter metrics' },
        time_window_days: { type: 'number', description: 'Time window in days for metrics (default: 7)', default: 7 },
        include_trends: { type: 'boolean', description: 'Include trend analysis over time', default: true },
        group_by: { type: 'string', description: 'Group metrics by task/session/skill', enum: ['task', 'session', 'skill'], default: 'task' },
      },
    },
  },
  {
    name: 'learning_transfer',
    description: 'Transfer learning between sessions or tasks, enabling knowledge reuse across different contexts',
    inputSchema: {
      type: 'object',
      properties: {
        source_session: { type: 'string', description: 'Source session ID to transfer from' },
        target_session: { type: 'string', description: 'Target session ID to transfer to' },
        source_task: { type: 'string', description: 'Source task pattern to transfer from' },
        target_task: { type: 'string', description: 'Target task pattern to transfer to' },
        min_similarity: { type: 'number', description: 'Minimum similarity threshold (0-1)', default: 0.7, minimum: 0, maximum: 1 },
        transfer_type: { type: 'string', description: 'Type of transfer', enum: ['episodes', 'skills', 'causal_edges', 'all'], default: 'all' },
        max_transfers: { type: 'number', description: 'Maximum number of items to transfer', default: 10 },
      },
    },
  },
  {
    name: 'learning_explain',
    description: 'Explain action recommendations with confidence scores and supporting evidence from past experiences',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Query or task description to get recommendations for' },
        k: { type: 'number', description: 'Number of recommendations to return', default: 5 },
        explain_depth: { type: 'string', description: 'Explanation detail level', enum: ['summary', 'detailed', 'full'], default: 'detailed' },
        include_confidence: { type: 'boolean', description: 'Include confidence scores', default: true },
        include_evidence: { type: 'boolean', description: 'Include supporting evidence from past episodes', default: true },
        include_causal: { type: 'boolean', description: 'Include causal reasoning chains', default: true },
      },
      required: ['query'],
    },
  },
  {
    name: 'experience_record',
    description: 'Record tool execution as experience for reinforcement learning and experience replay',
    inputSchema: {
      type: 'object',
      properties: {
        session_id: { type: 'string', description: 'Session identifier' },
        tool_name: { type: 'string', description: 'Name of the tool executed' },
        action: { type: 'string', description: 'Action taken or tool parameters' },
        state_before: { type: 'object', description: 'System state before action (JSON)' },
        state_after: { type: 'object', description: 'System state after action (JSON)' },
        outcome: { type: 'string', description: 'Outcome description' },
        reward: { type: 'number', description: 'Reward signal (0-1)', minimum: 0, maximum: 1 },
        success: { type: 'boolean', description: 'Whether the action succeeded' },
        latency_ms: { type: 'number', description: 'Execution latency in milliseconds' },
        metadata: { type: 'object', description: 'Additional metadata (JSON)' },
      },
      required: ['session_id', 'tool_name', 'action', 'outcome', 'reward', 'success'],
    },
  },
  {
    name: 'reward_signal',
    description: 'Calculate reward signal for outcomes based on success, efficiency, and causal impact',
    inputSchema: {
      type: 'object',
      properties: {
        episode_id: { type: 'number', description: 'Episode ID to calculate reward for' },
        success: { type: 'boolean', description: 'Whether the outcome was successful' },
        target_achieved: { type: 'boolean', description: 'Whether the target was achieved', default: true },
        efficiency_score: { type: 'number', description: 'Efficiency score (0-1)', default: 0.5, minimum: 0, maximum: 1 },
        quality_score: { type: 'number', description: 'Quality score (0-1)', default: 0.5, minimum: 0, maximum: 1 },
        time_taken_ms: { type: 'number', description: 'Time taken in milliseconds' },
        expected_time_ms: { type: 'number', description: 'Expected time in milliseconds' },
        include_causal: { type: 'boolean', description: 'Include causal impact in reward', default: true },
        reward_function: { type: 'string', description: 'Reward function to use', enum: ['standard', 'sparse', 'dense', 'shaped'], default: 'standard' },
      },
      required: ['success'],
    },
  },
  // ==========================================================================
  // CORE AGENTDB TOOLS (6-10) - v1.3.0
  // ==========================================================================
  {
    name: 'agentdb_stats',
    description: 'Get comprehensive database statistics including table counts, storage usage, and performance metrics',
    inputSchema: {
      type: 'object',
      properties: {
        detailed: { type: 'boolean', description: 'Include detailed statistics', default: false },
      },
    },
  },
  {
    name: 'agentdb_pattern_store',
    description: 'Store reasoning pattern with embedding, taskType, approach, and successRate',
    inputSchema: {
      type: 'object',
      properties: {
        taskType: { type: 'string', description: 'Type of task (e.g., "code_review", "data_analysis")' },
        approach: { type: 'string', description: 'Description of the reasoning approach' },
        successRate: { type: 'number', description: 'Success rate (0-1)', default: 0.0 },
        tags: { type: 'array', items: { type: 'string' }, description: 'Optional tags' },
        metadata: { type: 'object', description: 'Additional metadata' },
      },
      required: ['taskType', 'approach', 'successRate'],
    },
  },
  {
    name: 'agentdb_pattern_search',
    description: 'Search patterns with taskEmbedding, k, threshold, and filters',
    inputSchema: {
      type: 'object',
      properties: {
        task: { type: 'string', description: 'Task description to search for' },
        k: { type: 'number', description: 'Number of results to return', default: 10 },
        threshold: { type: 'number', description: 'Minimum similarity threshold (0-1)', default: 0.0 },
        filters: {
          type: 'object',
          properties: {
            taskType: { type: 'string', description: 'Filter by task type' },
            minSuccessRate: { type: 'number', description: 'Minimum success rate' },
            tags: { type: 'array', items: { type: 'string' }, description: 'Filter by tags' },
          },
          description: 'Optional filters',
        },
      },
      required: ['task'],
    },
  },
  {
    name: 'agentdb_pattern_stats',
    description: 'Get pattern statistics including total patterns, success rates, and top task types',
    inputSchema: {
      type: 'object',
      properties: {},
    },
  },
  {
    name: 'agentdb_clear_cache',
    description: 'Clear query cache to refresh statistics and search results',
    inputSchema: {
      type: 'object',
      properties: {
        cache_type: {
          type: 'string',
          description: 'Type of cache to clear (all, patterns, stats)',
          enum: ['all', 'patterns', 'stats'],
          default: 'all'
        },
      },
    },
  },
];

// Bounds added to agentdb's schemas (see the file comment): tool -> path -> keywords.
const count = (max) => ({ minimum: 1, maximum: max, multipleOf: 1 });
const BOUNDS = {
  agentdb_insert_batch: { items: { maxItems: LIMITS.batch }, batch_size: count(LIMITS.batch) },
  agentdb_search: { k: count(LIMITS.k) },
  reflexion_retrieve: { k: count(LIMITS.k) },
  skill_search: { k: count(LIMITS.k) },
  causal_query: { limit: count(LIMITS.k) },
  recall_with_certificate: { k: count(LIMITS.k) },
  learning_train: { epochs: count(LIMITS.epochs), batch_size: count(LIMITS.batch) },
  learning_transfer: { max_transfers: count(LIMITS.k) },
  learning_explain: { k: count(LIMITS.k) },
  agentdb_pattern_search: { k: count(LIMITS.k) },
};
for (const t of tools) {
  for (const [field, kw] of Object.entries(BOUNDS[t.name] || {})) Object.assign(t.inputSchema.properties[field], kw);
}

module.exports = { tools, LIMITS };
