'use strict';
// agentdb CLI, sync family: agentdb's QUIC methods of AgentDBCLI
// (SyncCommands; kept so that the class has agentdb's shape) and the `sync`
// and `mcp` commands, which ruvector does not provide.
const { exit, colors, log } = require('./common');

class SyncCommands {
  // ============================================================================
  // QUIC Synchronization Commands
  // ============================================================================
  async quicStartServer(params) {
    log.header('\n🚀 Starting QUIC Sync Server');
    const port = params.port || 4433;
    const authToken = params.authToken || this.generateAuthToken();
    log.info(`Port: ${port}`);
    log.info(`Auth Token: ${authToken}`);
    if (params.cert && params.key) {
      log.info(`TLS Certificate: ${params.cert}`);
      log.info(`TLS Key: ${params.key}`);
    }
    else {
      log.warning('No TLS certificate provided - using self-signed certificate');
    }
    // TODO: Implement QUIC server using existing QUICSync controller
    log.info('\nServer started. Waiting for connections...');
    log.info('Press Ctrl+C to stop');
    // Keep process alive
    await new Promise(() => { });
  }
  async quicConnect(params) {
    log.header('\n🔌 Connecting to QUIC Sync Server');
    log.info(`Host: ${params.host}`);
    log.info(`Port: ${params.port}`);
    if (params.authToken) {
      log.info('Authentication: Enabled');
    }
    if (params.cert) {
      log.info(`TLS Certificate: ${params.cert}`);
    }
    else {
      log.warning('No TLS certificate provided - using insecure connection');
    }
    // TODO: Implement QUIC client connection
    log.success('Connected to remote server');
    log.info('Server info: AgentDB QUIC Sync v1.0');
  }
  async quicPush(params) {
    if (!this.db)
      throw new Error('Not initialized');
    log.header('\n⬆️  Pushing Changes to Remote');
    log.info(`Server: ${params.server}`);
    log.info(`Mode: ${params.incremental ? 'Incremental' : 'Full'}`);
    if (params.filter) {
      log.info(`Filter: ${params.filter}`);
    }
    // Get pending changes
    const changes = this.getPendingChanges(params.incremental, params.filter);
    console.log('\n' + '═'.repeat(80));
    console.log(`${colors.bright}Pending Changes${colors.reset}`);
    console.log('═'.repeat(80));
    console.log(`  Episodes: ${changes.episodes}`);
    console.log(`  Skills: ${changes.skills}`);
    console.log(`  Causal Edges: ${changes.causalEdges}`);
    console.log(`  Total Size: ${(changes.totalSize / 1024).toFixed(2)} KB`);
    console.log('═'.repeat(80));
    // TODO: Implement QUIC push
    log.success('Changes pushed successfully');
    log.info(`Transferred: ${(changes.totalSize / 1024).toFixed(2)} KB`);
  }
  async quicPull(params) {
    if (!this.db)
      throw new Error('Not initialized');
    log.header('\n⬇️  Pulling Changes from Remote');
    log.info(`Server: ${params.server}`);
    log.info(`Mode: ${params.incremental ? 'Incremental' : 'Full'}`);
    if (params.filter) {
      log.info(`Filter: ${params.filter}`);
    }
    // TODO: Implement QUIC pull
    const changes = {
      episodes: 5,
      skills: 2,
      causalEdges: 3,
      totalSize: 12800
    };
    console.log('\n' + '═'.repeat(80));
    console.log(`${colors.bright}Received Changes${colors.reset}`);
    console.log('═'.repeat(80));
    console.log(`  Episodes: ${changes.episodes}`);
    console.log(`  Skills: ${changes.skills}`);
    console.log(`  Causal Edges: ${changes.causalEdges}`);
    console.log(`  Total Size: ${(changes.totalSize / 1024).toFixed(2)} KB`);
    console.log('═'.repeat(80));
    log.success('Changes pulled and merged successfully');
    log.info(`Downloaded: ${(changes.totalSize / 1024).toFixed(2)} KB`);
  }
  async quicStatus() {
    if (!this.db)
      throw new Error('Not initialized');
    log.header('\n📊 QUIC Sync Status');
    // Get sync metadata
    const syncMeta = this.getSyncMetadata();
    console.log('\n' + '═'.repeat(80));
    console.log(`${colors.bright}Sync Status${colors.reset}`);
    console.log('═'.repeat(80));
    if (syncMeta.lastSyncTime) {
      const lastSync = new Date(syncMeta.lastSyncTime * 1000);
      console.log(`  Last Sync: ${colors.cyan}${lastSync.toLocaleString()}${colors.reset}`);
      console.log(`  Time Ago: ${this.timeAgo(syncMeta.lastSyncTime)}`);
    }
    else {
      console.log(`  Last Sync: ${colors.yellow}Never${colors.reset}`);
    }
    console.log('\n' + '─'.repeat(80));
    console.log(`${colors.bright}Pending Changes${colors.reset}`);
    console.log('─'.repeat(80));
    console.log(`  Episodes: ${colors.green}${syncMeta.pendingEpisodes}${colors.reset}`);
    console.log(`  Skills: ${colors.green}${syncMeta.pendingSkills}${colors.reset}`);
    console.log(`  Causal Edges: ${colors.green}${syncMeta.pendingCausalEdges}${colors.reset}`);
    console.log('\n' + '─'.repeat(80));
    console.log(`${colors.bright}Connected Servers${colors.reset}`);
    console.log('─'.repeat(80));
    if (syncMeta.servers.length === 0) {
      console.log(`  ${colors.yellow}No servers connected${colors.reset}`);
    }
    else {
      syncMeta.servers.forEach((server) => {
        console.log(`  ${colors.cyan}${server.host}:${server.port}${colors.reset}`);
        console.log(`    Status: ${server.connected ? colors.green + 'Connected' : colors.red + 'Disconnected'}${colors.reset}`);
        console.log(`    Last Seen: ${new Date(server.lastSeen * 1000).toLocaleString()}`);
      });
    }
    console.log('═'.repeat(80));
  }
  generateAuthToken() {
    // Generate a random 32-character token
    return Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  }
  getPendingChanges(incremental, filter) {
    // Mock implementation - would query sync metadata table
    return {
      episodes: 10,
      skills: 3,
      causalEdges: 5,
      totalSize: 25600
    };
  }
  getSyncMetadata() {
    // Mock implementation - would query sync metadata table
    return {
      lastSyncTime: null,
      pendingEpisodes: 10,
      pendingSkills: 3,
      pendingCausalEdges: 5,
      servers: []
    };
  }
  timeAgo(timestamp) {
    const now = Math.floor(Date.now() / 1000);
    const diff = now - timestamp;
    if (diff < 60)
      return `${diff} seconds ago`;
    if (diff < 3600)
      return `${Math.floor(diff / 60)} minutes ago`;
    if (diff < 86400)
      return `${Math.floor(diff / 3600)} hours ago`;
    return `${Math.floor(diff / 86400)} days ago`;
  }
}
async function handleSyncCommands() {
  log.error('QUIC sync is not provided by ruvector\'s agentdb CLI');
  exit(1);
}

module.exports = { SyncCommands, handleSyncCommands };
