/** What `fleetstream alerts apply` (bin/alerts-commands.ts) uses of the alerts component. */
export { applyRuleDocuments, readRuleDirectory } from './rule-store';
export { describeRuleChange } from './rule-changes';
