'use strict';
// agentdb CLI, vector family: `vector-search`, `export`, `import` and
// `stats`, which take the database's path as an argument (agentdb's other
// commands read AGENTDB_PATH) and open their own AgentDBCLI session on it.
const { MMRDiversityRanker } = require('../controllers/MMRDiversityRanker');
const { indexesFor } = require('../vector-index');
const fs = require('fs');
const zlib = require('zlib');
const { exit, log } = require('./common');
const { AgentDBCLI } = require('./session');

// Vector-search command - direct vector similarity search with MMR diversity ranking
async function handleVectorSearchCommand(args) {
  // Parse arguments
  let dbPath = './agentdb.db';
  let vector = [];
  let k = 10;
  let threshold = 0.0;
  let metric = 'cosine';
  let format = 'json';
  let verbose = false;
  let useMmr = false;
  let mmrLambda = 0.5;
  let dbGiven = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-k' && i + 1 < args.length) {
      k = parseInt(args[++i]);
    }
    else if (arg === '-t' && i + 1 < args.length) {
      threshold = parseFloat(args[++i]);
    }
    else if (arg === '-m' && i + 1 < args.length) {
      metric = args[++i];
    }
    else if (arg === '-f' && i + 1 < args.length) {
      format = args[++i];
    }
    else if (arg === '-v' || arg === '--verbose') {
      verbose = true;
    }
    else if (arg === '--mmr') {
      useMmr = true;
      if (i + 1 < args.length && !args[i + 1].startsWith('-')) {
        mmrLambda = parseFloat(args[++i]);
      }
    }
    else if (!dbGiven && !arg.startsWith('[') && Number.isNaN(Number(arg))) {
      // fix: agentdb tested !dbPath.endsWith('.db') on its default, so the
      // path given was never used
      dbPath = arg;
      dbGiven = true;
    }
    else if (arg.startsWith('[') || (!isNaN(parseFloat(arg)))) {
      // Parse vector - either JSON array or space-separated numbers
      try {
        if (arg.startsWith('[')) {
          vector = JSON.parse(arg);
        }
        else {
          // Collect space-separated numbers
          while (i < args.length && !isNaN(parseFloat(args[i]))) {
            vector.push(parseFloat(args[i++]));
          }
          i--; // Back up one since loop will increment
        }
      }
      catch (e) {
        log.error('Invalid vector format. Use JSON array: "[0.1,0.2,0.3]" or space-separated: "0.1 0.2 0.3"');
        exit(1);
      }
    }
  }
  if (vector.length === 0) {
    log.error('Missing required vector parameter');
    log.info('Usage: agentdb vector-search <db-path> <vector> [-k 10] [-t 0.75] [-m cosine] [-f json] [-v] [--mmr [lambda]]');
    exit(1);
  }
  if (useMmr) {
    log.info(`Using MMR diversity ranking (λ=${mmrLambda})`);
  }
  // Initialize database
  const cli = new AgentDBCLI();
  await cli.initialize(dbPath);
  const select = `
    SELECT
      e.id,
      e.session_id,
      e.task,
      e.reward,
      e.success,
      ee.embedding
    FROM episodes e
    JOIN episode_embeddings ee ON e.id = ee.episode_id`;
  // fix: decode the stored float32s (agentdb made a Float32Array of the blob's bytes)
  const toResult = (row) => {
    const b = row.embedding;
    const embedding = Array.from(new Float32Array(b.buffer, b.byteOffset, Math.floor(b.length / 4)));
    const similarity = calculateSimilarity(vector, embedding, metric);
    return { id: row.id, session_id: row.session_id, task: row.task, reward: row.reward, success: row.success, similarity, embedding };
  };
  const want = useMmr ? k * 10 : k; // MMR chooses k among the k*10 nearest, as agentdb's scan of k*10 rows
  const cmp = (a, b) => (b.similarity - a.similarity) || (a.id - b.id);
  let scored;
  const ix = metric === 'cosine' ? indexesFor(cli.db) : null;
  const q = Float32Array.from(vector);
  if (ix) {
    const t = ix.table('episodes');
    await t.sync();
    if (t.dimensions && q.length !== t.dimensions) throw new Error(`Vector dimension mismatch: ${q.length} vs ${t.dimensions}`);
    const { rankedSearch } = require('../search');
    const fetchStmt = cli.db.prepare(`${select} WHERE e.id IN (SELECT value FROM json_each(?))`);
    scored = await rankedSearch({
      ix: t,
      query: q,
      k: want,
      fetch: (ids) => fetchStmt.all(JSON.stringify(ids)),
      score: toResult,
      cmp,
      keep: (r) => r.similarity >= threshold,
      primary: (r) => r.similarity,
      minPrimary: threshold,
      fullScan: () => cli.db.prepare(select).all(),
    });
  } else {
    // euclidean and dot: a scan of every episode in JS
    scored = cli.db.prepare(select).all().map(toResult).filter((r) => r.similarity >= threshold).sort(cmp).slice(0, want);
  }
  // Apply MMR diversity ranking if requested
  if (useMmr && scored.length > k) {
    scored = MMRDiversityRanker.selectDiverse(scored, vector, {
      lambda: mmrLambda,
      k,
      metric: metric
    });
  }
  else {
    scored = scored.slice(0, k);
  }
  // Remove embedding from output
  const output = scored.map(({ embedding, ...rest }) => rest);
  if (format === 'json') {
    console.log(JSON.stringify(output, null, 2));
  }
  else {
    console.log(`Found ${output.length} results:`);
    output.forEach((r, i) => {
      console.log(`${i + 1}. [${r.id}] ${r.task} (similarity: ${r.similarity.toFixed(4)})`);
      if (verbose) {
        console.log(`   Session: ${r.session_id}, Reward: ${r.reward}, Success: ${r.success}`);
      }
    });
  }
}
// Helper function to calculate similarity
function calculateSimilarity(v1, v2, metric) {
  if (v1.length !== v2.length) {
    throw new Error(`Vector dimension mismatch: ${v1.length} vs ${v2.length}`);
  }
  if (metric === 'cosine') {
    let dot = 0, mag1 = 0, mag2 = 0;
    for (let i = 0; i < v1.length; i++) {
      dot += v1[i] * v2[i];
      mag1 += v1[i] * v1[i];
      mag2 += v2[i] * v2[i];
    }
    return dot / (Math.sqrt(mag1) * Math.sqrt(mag2));
  }
  else if (metric === 'euclidean') {
    let sum = 0;
    for (let i = 0; i < v1.length; i++) {
      const diff = v1[i] - v2[i];
      sum += diff * diff;
    }
    return 1 / (1 + Math.sqrt(sum)); // Normalize to 0-1 range
  }
  else if (metric === 'dot') {
    let dot = 0;
    for (let i = 0; i < v1.length; i++) {
      dot += v1[i] * v2[i];
    }
    return dot;
  }
  return 0;
}
// Export command - export vectors to JSON with optional compression
async function handleExportCommand(args) {
  let dbPath = './agentdb.db';
  let outputPath = './agentdb-export.json';
  let compress = false;
  let dbGiven = false, outGiven = false;
  // Parse arguments
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--compress') {
      compress = true;
    }
    else if (arg === '--output' && i + 1 < args.length) {
      outputPath = args[++i];
    }
    else if (!arg.startsWith('--')) {
      // fix: agentdb compared with its defaults, so `export ./agentdb.db out.json`
      // exported out.json (a new empty database) into ./agentdb-export.json
      if (!dbGiven) {
        dbPath = arg;
        dbGiven = true;
      }
      else if (!outGiven) {
        outputPath = arg;
        outGiven = true;
      }
    }
  }
  // Add .gz extension if compressing and not already present
  if (compress && !outputPath.endsWith('.gz')) {
    outputPath += '.gz';
  }
  log.info(`Exporting vectors from: ${dbPath}`);
  if (compress) {
    log.info('Compression: enabled');
  }
  const cli = new AgentDBCLI();
  await cli.initialize(dbPath);
  // Export all episodes with embeddings
  const query = `
  SELECT
   e.*,
   ee.embedding
  FROM episodes e
  LEFT JOIN episode_embeddings ee ON e.id = ee.episode_id
 `;
  const results = cli.db.prepare(query).all();
  const jsonData = JSON.stringify(results, null, 2);
  try {
    if (compress) {
      // Compress with gzip
      const compressed = zlib.gzipSync(jsonData);
      fs.writeFileSync(outputPath, compressed);
      const originalSize = Buffer.byteLength(jsonData);
      const compressedSize = compressed.length;
      const ratio = ((1 - compressedSize / originalSize) * 100).toFixed(1);
      log.success(`Exported ${results.length} episodes to ${outputPath}`);
      log.info(`Original size: ${(originalSize / 1024).toFixed(2)} KB`);
      log.info(`Compressed size: ${(compressedSize / 1024).toFixed(2)} KB (${ratio}% reduction)`);
    }
    else {
      fs.writeFileSync(outputPath, jsonData);
      log.success(`Exported ${results.length} episodes to ${outputPath}`);
    }
  }
  catch (error) {
    log.error(`Failed to export: ${error.message}`);
    exit(1);
  }
}
// Import command - import vectors from JSON with optional decompression
async function handleImportCommand(args) {
  let inputPath = '';
  let dbPath = './agentdb.db';
  let decompress = false;
  // Parse arguments
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--decompress') {
      decompress = true;
    }
    else if (arg === '--db' && i + 1 < args.length) {
      dbPath = args[++i];
    }
    else if (!arg.startsWith('--')) {
      if (!inputPath) {
        inputPath = arg;
      }
      else if (dbPath === './agentdb.db') {
        dbPath = arg;
      }
    }
  }
  // Auto-detect compression from .gz extension
  if (inputPath.endsWith('.gz')) {
    decompress = true;
  }
  if (!inputPath) {
    log.error('Missing required input file');
    log.info('Usage: agentdb import <input-file.json> [db-path] [--decompress]');
    exit(1);
  }
  log.info(`Importing vectors from: ${inputPath}`);
  if (decompress) {
    log.info('Decompression: enabled');
  }
  let data;
  try {
    if (decompress) {
      // Decompress with gunzip
      const compressed = fs.readFileSync(inputPath);
      const decompressed = zlib.gunzipSync(compressed);
      data = JSON.parse(decompressed.toString('utf-8'));
      log.info(`Decompressed ${(compressed.length / 1024).toFixed(2)} KB to ${(decompressed.length / 1024).toFixed(2)} KB`);
    }
    else {
      data = JSON.parse(fs.readFileSync(inputPath, 'utf-8'));
    }
  }
  catch (error) {
    log.error(`Failed to read/parse input file: ${error.message}`);
    exit(1);
  }
  const cli = new AgentDBCLI();
  await cli.initialize(dbPath);
  let imported = 0;
  // fix: an exported BLOB is JSON of a Buffer ({type: 'Buffer', data: [...]}),
  // of a Uint8Array ({"0": .., "1": ..}, agentdb's sql.js) or an array of
  // floats: decode it (agentdb bound the object and failed); each episode and
  // its embedding go in together
  const blob = (e) => {
    if (e && e.type === 'Buffer' && Array.isArray(e.data)) return Buffer.from(e.data);
    if (Array.isArray(e)) return Buffer.from(new Float32Array(e).buffer);
    if (e && typeof e === 'object') return Buffer.from(Object.keys(e).sort((a, b) => a - b).map((k) => e[k]));
    return e;
  };
  const episodeStmt = cli.db.prepare(`
    INSERT INTO episodes (session_id, task, input, output, critique, reward, success, latency_ms, tokens_used, tags, metadata)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  `);
  const embeddingStmt = cli.db.prepare('INSERT INTO episode_embeddings (episode_id, embedding) VALUES (?, ?)');
  for (const item of data) {
    try {
      cli.db.transaction(() => {
        const result = episodeStmt.run(item.session_id, item.task, item.input, item.output, item.critique, item.reward, item.success, item.latency_ms, item.tokens_used, item.tags, item.metadata);
        if (item.embedding) {
          embeddingStmt.run(result.lastInsertRowid, blob(item.embedding));
        }
      })();
      imported++;
    }
    catch (error) {
      log.warning(`Failed to import item ${imported + 1}: ${error.message}`);
    }
  }
  // Save database
  if (cli.db && typeof cli.db.save === 'function') {
    cli.db.save();
  }
  log.success(`Imported ${imported} episodes`);
}
// Stats command - show database statistics
async function handleStatsCommand(args) {
  const dbPath = args[0] || './agentdb.db';
  log.info(`Getting statistics for: ${dbPath}`);
  const cli = new AgentDBCLI();
  await cli.initialize(dbPath);
  // Get counts (with fallback for missing tables)
  const episodeCount = cli.db.prepare('SELECT COUNT(*) as count FROM episodes').get()?.count || 0;
  const embeddingCount = cli.db.prepare('SELECT COUNT(*) as count FROM episode_embeddings').get()?.count || 0;
  let skillCount = 0;
  try {
    skillCount = cli.db.prepare('SELECT COUNT(*) as count FROM skill_library').get()?.count || 0;
  }
  catch (e) {
    // skill_library table may not exist in older databases
  }
  let causalEdges = 0;
  try {
    causalEdges = cli.db.prepare('SELECT COUNT(*) as count FROM causal_edges').get()?.count || 0;
  }
  catch (e) {
    // causal_edges table may not exist in older databases
  }
  // Get database file size
  let dbSize = 0;
  if (dbPath !== ':memory:' && fs.existsSync(dbPath)) {
    dbSize = fs.statSync(dbPath).size;
  }
  // Get average confidence
  const avgConfidence = cli.db.prepare('SELECT AVG(reward) as avg FROM episodes').get().avg || 0;
  // Get domains
  const domains = cli.db.prepare(`
  SELECT task, COUNT(*) as count
  FROM episodes
  GROUP BY task
  ORDER BY count DESC
  LIMIT 5
 `).all();
    console.log(`
📊 AgentDB Statistics

Database: ${dbPath}
Size: ${(dbSize / 1024).toFixed(2)} KB

📈 Counts:
  Episodes: ${episodeCount}
  Embeddings: ${embeddingCount}
  Skills: ${skillCount}
  Causal Edges: ${causalEdges}

📊 Metrics:
  Average Reward: ${avgConfidence.toFixed(3)}
  Embedding Coverage: ${episodeCount > 0 ? ((embeddingCount / episodeCount) * 100).toFixed(1) : 0}%

🏷️  Top Domains:
${domains.map(d => `  • ${d.task}: ${d.count}`).join('\n')}
  `);
}

module.exports = { handleVectorSearchCommand, calculateSimilarity, handleExportCommand, handleImportCommand, handleStatsCommand };
