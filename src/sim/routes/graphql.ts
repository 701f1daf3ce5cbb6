/** GitHub's GraphQL API: `POST /graphql` (the server maps `/api/graphql` here too). */
import { notFound } from '../errors.ts';
import { installationOf, route, type RouteDefinition } from '../router.ts';

export const graphqlRoutes: RouteDefinition[] = [
  route('POST', '/graphql', 'installation', async (request) => {
    const { ctx } = request;
    if (!ctx.graphql) throw notFound();
    const outcome = await ctx.graphql.handle(ctx, installationOf(request), request.body);
    if (outcome.violation) {
      ctx.violations.push({ ...outcome.violation, method: 'POST', path: '/graphql', route: 'POST /graphql', status: outcome.status, at: ctx.state.now() });
    }
    return { status: outcome.status, body: outcome.body };
  }),
];
