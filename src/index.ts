/**
 * gehen as a library, in namespaces: `Deploy` (the programs), `Status` (and history), `Config`,
 * `Report` (the reports' Schemas), `Ports` (the services the programs run against),
 * `Aws` (their live adapters) and `Errors`. The phases, for apps that compose their own
 * run, are in `gehen/steps`; the simulator for tests is in `gehen/testing`.
 */
export * as Aws from "./api/Aws.js"
export * as Config from "./api/Config.js"
export * as Deploy from "./api/Deploy.js"
export * as Errors from "./api/Errors.js"
export * as Ports from "./api/Ports.js"
export * as Report from "./api/Report.js"
export * as Status from "./api/Status.js"
