/** What every target of a gehen.yml runs now, and the releases it has had (`gehen history`): read-only, with the reports' Schemas. */
export { history, HistoryReport } from "../history/History.js"
export { status } from "../status/Status.js"
export { StatusReport } from "../status/StatusReport.js"
