// `import ... from 'agentdb'` -> ruvector's agentdb layer (see ../../README.md, "agentdb").
export * from '../../agentdb.mjs';
export { default } from '../../agentdb.mjs';
