export { type AppOptions, createApp } from "./createApp.ts";
export { HttpError } from "./HttpError.ts";
