import * as Data from "effect/Data"

/** The plan found problems in the input or in what AWS answered; nothing was changed. */
export class PlanError extends Data.TaggedError("PlanError")<{
  /** `busy`: another writer's deployment is rolling out there (`--wait` waits for it). */
  readonly problems: ReadonlyArray<
    { readonly target: string; readonly problem: string; readonly busy?: boolean | undefined }
  >
}> {
  /** Every problem is another writer's deployment in progress: waiting may clear them. */
  get onlyBusy(): boolean {
    return this.problems.length > 0 && this.problems.every((p) => p.busy === true)
  }
  override get message() {
    const lines = this.problems.map((p) => `  ${p.target}: ${p.problem}`)
    return `cannot deploy, nothing was changed:\n${lines.join("\n")}`
  }
}
