#!/usr/bin/env node
// The agentdb-compatible command line of ruvector (lib/agentdb/cli.js).
'use strict';
require('../lib/agentdb/cli').main();
