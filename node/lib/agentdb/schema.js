'use strict';
// agentdb's SQL, read from the schema files in schemas/, the one place it
// is written: schema.sql and frontier-schema.sql (agentdb 1.6.1's files),
// and the tables agentdb 1.6.1 creates in code, kept verbatim beside them
// (learning-schema.sql: LearningSystem; reasoning-schema.sql:
// ReasoningBank; sync-schema.sql: SyncCoordinator's sync_state).
//
// createDatabase applies all of them, in agentdb's CLI order; the
// LearningSystem and ReasoningBank controllers apply their own file, as
// agentdb's do, for a database that did not come from createDatabase.
// Every statement is IF NOT EXISTS, so applying one twice changes nothing.
const fs = require('fs');
const path = require('path');

const DIR = path.join(__dirname, 'schemas');
const FILES = {
  core: 'schema.sql',
  frontier: 'frontier-schema.sql',
  learning: 'learning-schema.sql',
  reasoning: 'reasoning-schema.sql',
  sync: 'sync-schema.sql',
};
// In the order createDatabase applies them. After the two agentdb files,
// learning_sessions and learning_experiences already exist (frontier
// versions) and stay.
const ORDER = ['core', 'frontier', 'learning', 'reasoning', 'sync'];

const cache = new Map();

/** The SQL text of one schema file (read once). */
function schemaSql(name) {
  let sql = cache.get(name);
  if (sql === undefined) {
    if (!Object.hasOwn(FILES, name)) throw new Error(`no agentdb schema named "${name}"`);
    sql = fs.readFileSync(path.join(DIR, FILES[name]), 'utf8');
    cache.set(name, sql);
  }
  return sql;
}

/** Apply agentdb's whole schema to `db` (both files, then the tables created in code). */
function applySchema(db) {
  for (const name of ORDER) db.exec(schemaSql(name));
}

module.exports = { schemaSql, applySchema };
