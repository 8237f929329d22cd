/** The services the programs run against: AWS in gehen's terms, the version probe, progress. */
export { Ecs } from "../ports/Ecs.js"
export { Identity } from "../ports/Identity.js"
export { Images } from "../ports/Images.js"
export { Progress, type ProgressEvent } from "../ports/Progress.js"
export { DefaultRegion } from "../ports/Region.js"
export { ScheduledTasks } from "../ports/ScheduledTasks.js"
export { VersionProbe } from "../ports/VersionProbe.js"
