/** Every route the simulator serves. */
import type { RouteDefinition } from '../router.ts';
import { actionsRoutes } from './actions.ts';
import { appRoutes } from './apps.ts';
import { checkRoutes } from './checks.ts';
import { commitCommentRoutes } from './commit-comments.ts';
import { deploymentRoutes } from './deployments.ts';
import { graphqlRoutes } from './graphql.ts';
import { issueRoutes } from './issues.ts';
import { peopleRoutes } from './people.ts';
import { repoRoutes } from './repos.ts';

export const allRoutes: RouteDefinition[] = [
  ...appRoutes,
  ...repoRoutes,
  ...peopleRoutes,
  ...issueRoutes,
  ...commitCommentRoutes,
  ...actionsRoutes,
  ...checkRoutes,
  ...deploymentRoutes,
  ...graphqlRoutes,
];
