/** The live adapters: every port over the AWS SDK (one set of clients per region), and the version probe over fetch. */
export { type AwsClientsOptions, AwsLive } from "../aws/index.js"
export { VersionProbeFetch, VersionProbeLive } from "../http/VersionProbeLive.js"
