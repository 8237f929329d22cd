/** The programs: deploy a sha, return to earlier revisions (`gehen rollback`), or plan either without changing anything. */
export type { DeployPlan } from "../deploy/plan/Plan.js"
export type { RevertOptions } from "../deploy/plan/RevertPlan.js"
export { deploy, type DeployOptions, type DeployServices, plan, revert } from "../deploy/run/Deploy.js"
