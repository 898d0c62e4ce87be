#!/usr/bin/env node
// `agentdb` -> ruvector's agentdb command line.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('../../lib/agentdb/cli').main();
