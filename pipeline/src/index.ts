/** The library the web app and tests import: model, data access, calendar, config. */
export * from "./model/daily-price.js";
export * from "./db/daily-prices.server.js";
export * from "./db/client.server.js";
export * from "./db/runs.server.js";
export * from "./db/quarantine.server.js";
export * from "./db/audit.server.js";
export * from "./calendar/nyse.js";
export * from "./errors.js";
