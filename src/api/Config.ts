/** gehen.yml: read and validated (every problem with its file, line and key), or decoded from text. */
export { configDefaults, decodeConfig, loadConfig, type LoadConfigOptions } from "../config/Config.js"
export type { GehenConfig, ScheduledTaskConfig, ServiceConfig, UpdateStrategy } from "../config/Types.js"
