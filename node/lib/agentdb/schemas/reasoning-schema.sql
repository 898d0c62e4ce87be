-- ReasoningBank.initializeSchema()
-- agentdb 1.6.1 (MIT, ruv) creates these tables in code; the SQL is kept here,
-- verbatim, and read by lib/agentdb/schema.js (createDatabase and the controller).
   CREATE TABLE IF NOT EXISTS reasoning_patterns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER DEFAULT (strftime('%s', 'now')),
    task_type TEXT NOT NULL,
    approach TEXT NOT NULL,
    success_rate REAL NOT NULL DEFAULT 0.0,
    uses INTEGER DEFAULT 0,
    avg_reward REAL DEFAULT 0.0,
    tags TEXT,
    metadata TEXT
   );

   CREATE INDEX IF NOT EXISTS idx_patterns_task_type ON reasoning_patterns(task_type);
   CREATE INDEX IF NOT EXISTS idx_patterns_success_rate ON reasoning_patterns(success_rate);
   CREATE INDEX IF NOT EXISTS idx_patterns_uses ON reasoning_patterns(uses);


   CREATE TABLE IF NOT EXISTS pattern_embeddings (
    pattern_id INTEGER PRIMARY KEY,
    embedding BLOB NOT NULL,
    FOREIGN KEY (pattern_id) REFERENCES reasoning_patterns(id) ON DELETE CASCADE
   );
