/**
 * `POST /graphql` (and `/api/graphql`, GitHub Enterprise's path): each query is
 * parsed, validated against GitHub's published schema (`@octokit/graphql-schema`,
 * when installed) and executed by graphql-js over the simulator's state. A query
 * GitHub would refuse is answered as GitHub answers it (HTTP 200, `errors`) and
 * recorded as a violation, like a bad REST request.
 *
 * This module needs the `graphql` package (a dev dependency); the simulator
 * imports it dynamically (see `load-endpoint.ts`).
 */
import { readFile } from 'node:fs/promises';
import {
  buildSchema,
  execute,
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import type { SimContext, ViolationKind } from '../context.ts';
import type { Installation } from '../model.ts';
import { GraphqlDataError, queryRoot } from './resolvers.ts';
import { SIM_GRAPHQL_SDL } from './sim-schema-sdl.ts';

/** What the route answers, and the violation to record, if any. */
export interface GraphqlOutcome {
  status: number;
  body: Record<string, unknown>;
  violation?: { kind: ViolationKind; message: string; errors: unknown };
}

/** The GraphQL endpoint of one simulator process. */
export interface GraphqlEndpoint {
  /** Whether queries are checked against GitHub's published schema. */
  readonly validatesAgainstGitHub: boolean;
  /** The schema the simulator executes (a subset of GitHub's). */
  readonly simSchema: GraphQLSchema;
  handle(ctx: SimContext, installation: Installation | undefined, body: unknown): Promise<GraphqlOutcome>;
}

let githubSchema: Promise<GraphQLSchema | undefined> | undefined;
let simSchema: GraphQLSchema | undefined;

/**
 * GitHub's schema from `@octokit/graphql-schema`, built once per process;
 * `undefined` when the package is not installed. The published SDL defines a
 * few fields twice, so it is built without SDL validation.
 */
export function loadGitHubGraphqlSchema(): Promise<GraphQLSchema | undefined> {
  githubSchema ??= (async () => {
    let url: URL;
    try {
      url = new URL('./schema.graphql', import.meta.resolve('@octokit/graphql-schema'));
    } catch {
      return undefined;
    }
    return buildSchema(await readFile(url, 'utf8'), { assumeValidSDL: true });
  })();
  return githubSchema;
}

/** Creates the endpoint; `github` is GitHub's schema to validate against (none: only the sim's own). */
export function createGraphqlEndpoint(github: GraphQLSchema | undefined): GraphqlEndpoint {
  simSchema ??= buildSchema(SIM_GRAPHQL_SDL);
  const executable = simSchema;
  return {
    validatesAgainstGitHub: github !== undefined,
    simSchema: executable,
    async handle(ctx, installation, body) {
      const request = body as { query?: unknown; variables?: unknown; operationName?: unknown } | undefined;
      if (!request || typeof request.query !== 'string') {
        const message = 'A query attribute must be specified and must be a string.';
        return { status: 400, body: { message }, violation: { kind: 'invalid-request', message, errors: undefined } };
      }
      const variables = request.variables ?? {};
      if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
        const message = 'Variables are invalid JSON.';
        return { status: 200, body: { errors: [{ message }] }, violation: { kind: 'invalid-request', message, errors: undefined } };
      }
      const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;

      let document: DocumentNode;
      try {
        document = parse(request.query);
      } catch (error) {
        const errors = [githubShape(error as GraphQLError)];
        return { status: 200, body: { errors }, violation: { kind: 'invalid-request', message: `the query does not parse: ${(error as Error).message}`, errors } };
      }

      const missing = ctx.options.graphqlMissingFields;
      if (missing.length) {
        const errors = undefinedFieldErrors(executable, document, new Set(missing));
        if (errors.length) return { status: 200, body: { errors } };
      }

      if (github) {
        const invalid = validate(github, document);
        if (invalid.length) {
          const errors = invalid.map(githubShape);
          return { status: 200, body: { errors }, violation: { kind: 'invalid-request', message: `GitHub's schema refuses the query: ${invalid.map((e) => e.message).join('; ')}`, errors } };
        }
      }
      const unsupported = validate(executable, document);
      if (unsupported.length) {
        const errors = unsupported.map(githubShape);
        return { status: 200, body: { errors }, violation: { kind: 'unimplemented', message: `the simulator does not implement: ${unsupported.map((e) => e.message).join('; ')}`, errors } };
      }

      const result = await execute({
        schema: executable,
        document,
        rootValue: queryRoot(ctx, installation),
        variableValues: variables as Record<string, unknown>,
        ...(operationName !== undefined ? { operationName } : {}),
      });
      if (!result.errors?.length) return { status: 200, body: { data: result.data } };
      if (result.data === undefined) {
        // Variables that do not fit their declared types, or no operation to run.
        const errors = result.errors.map(githubShape);
        return { status: 200, body: { errors }, violation: { kind: 'invalid-request', message: result.errors.map((e) => e.message).join('; '), errors } };
      }
      const simErrors = result.errors.filter((e) => !(e.originalError instanceof GraphqlDataError));
      const errors = result.errors.map((e) =>
        e.originalError instanceof GraphqlDataError
          ? { type: e.originalError.type, path: e.path, locations: e.locations, message: e.message }
          : { message: 'Something went wrong while executing your query.', path: e.path },
      );
      const outcome: GraphqlOutcome = { status: 200, body: { data: result.data, errors } };
      if (simErrors.length) {
        outcome.violation = { kind: 'sim-error', message: simErrors.map((e) => e.originalError?.stack ?? e.message).join('\n'), errors: undefined };
      }
      return outcome;
    },
  };
}

function githubShape(error: GraphQLError): Record<string, unknown> {
  return { message: error.message, ...(error.locations ? { locations: error.locations } : {}) };
}

/**
 * The errors a GitHub Enterprise Server without the fields `missing`
 * (`'Blob.isTruncated'`) answers for a query that selects them, in its shape:
 * `Field 'x' doesn't exist on type 'Y'` with `extensions.code: undefinedField`.
 */
export function undefinedFieldErrors(schema: GraphQLSchema, document: DocumentNode, missing: ReadonlySet<string>): Record<string, unknown>[] {
  const typeInfo = new TypeInfo(schema);
  const errors: Record<string, unknown>[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter(node, _key, _parent, _path, ancestors) {
          const parent = typeInfo.getParentType();
          if (!parent || !missing.has(`${parent.name}.${node.name.value}`)) return undefined;
          errors.push({
            path: [...pathOf(ancestors), node.name.value],
            extensions: { code: 'undefinedField', typeName: parent.name, fieldName: node.name.value },
            locations: node.loc ? [{ line: node.loc.startToken.line, column: node.loc.startToken.column }] : [],
            message: `Field '${node.name.value}' doesn't exist on type '${parent.name}'`,
          });
          return false;
        },
      },
    }),
  );
  return errors;
}

function pathOf(ancestors: ReadonlyArray<ASTNode | ReadonlyArray<ASTNode>>): string[] {
  const path: string[] = [];
  for (const ancestor of ancestors) {
    if (Array.isArray(ancestor) || !('kind' in ancestor)) continue;
    const node = ancestor as ASTNode;
    if (node.kind === 'OperationDefinition') path.push(node.name ? `${node.operation} ${node.name.value}` : node.operation);
    else if (node.kind === 'Field') path.push(node.name.value);
    else if (node.kind === 'InlineFragment') path.push(`... on ${node.typeCondition?.name.value ?? ''}`);
  }
  return path;
}
