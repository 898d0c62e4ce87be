-- SyncCoordinator's sync_state
-- agentdb 1.6.1 (MIT, ruv) creates this table in code; the SQL is kept here,
-- verbatim, and read by lib/agentdb/schema.js (createDatabase).
      CREATE TABLE IF NOT EXISTS sync_state (
        id INTEGER PRIMARY KEY,
        last_sync_at INTEGER,
        last_episode_sync INTEGER,
        last_skill_sync INTEGER,
        last_edge_sync INTEGER,
        total_items_synced INTEGER,
        total_bytes_synced INTEGER,
        sync_count INTEGER,
        last_error TEXT
      );
