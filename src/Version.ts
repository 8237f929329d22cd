/** gehen's version, as --version prints it and the monitoring reports it. */
export const VERSION = "0.1.0"
