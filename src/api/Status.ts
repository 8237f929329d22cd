/** What every target of a gehen.yml runs now, read-only, and the report's Schema. */
export { status } from "../status/Status.js"
export { StatusReport } from "../status/StatusReport.js"
