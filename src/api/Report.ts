/** What a run reports (`--output json`): the Schemas, and the exit code of an outcome. */
export { exitCodeOf, PlanReport, RunOutcome, RunReport, TargetOutcome, TargetReport } from "../report/Report.js"
