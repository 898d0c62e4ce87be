// agentdb/controllers/SkillLibrary -> ruvector's agentdb layer.
export { SkillLibrary } from '../../../agentdb.mjs';
