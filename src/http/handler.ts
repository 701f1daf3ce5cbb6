import type { ApplicationFunctionOptions } from 'probot';

/** A request handler of Probot's server: returns true when it answered the request. */
export type HttpHandler = Parameters<ApplicationFunctionOptions['addHandler']>[0];
