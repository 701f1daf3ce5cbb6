/** Deployments and deployment statuses. */
import {
  addDeploymentStatus,
  createDeployment,
  deploymentShape,
  deploymentStatusShape,
  type DeploymentInput,
  type DeploymentStatusInput,
} from '../deployments.ts';
import { notFound } from '../errors.ts';
import type { Deployment } from '../model.ts';
import { actorOf, appOf, bodyOf, intParam, pageOf, repoFor, route, type RouteDefinition, type RouteRequest } from '../router.ts';

function deploymentFor(request: RouteRequest): Deployment {
  const repo = repoFor(request, 'read');
  const deployment = request.ctx.state.deployments.get(intParam(request, 'deployment_id'));
  if (!deployment || deployment.repo !== repo) throw notFound();
  return deployment;
}

export const deploymentRoutes: RouteDefinition[] = [
  route('GET', '/repos/{owner}/{repo}/deployments', 'installation', (request) => {
    const repo = repoFor(request, 'read');
    const { query } = request;
    const deployments = [...request.ctx.state.deployments.values()]
      .filter(
        (d) =>
          d.repo === repo &&
          (!query.get('sha') || d.sha === query.get('sha')) &&
          (!query.get('ref') || d.ref === query.get('ref')) &&
          (!query.get('task') || d.task === query.get('task')) &&
          (!query.get('environment') || d.environment === query.get('environment')),
      )
      .sort((a, b) => b.id - a.id);
    return pageOf(request, deployments, (d) => deploymentShape(request.ctx, d));
  }),

  route('POST', '/repos/{owner}/{repo}/deployments', 'installation', (request) => {
    const repo = repoFor(request, 'write');
    const deployment = createDeployment(request.ctx, repo, bodyOf<DeploymentInput>(request), actorOf(request), appOf(request));
    return { status: 201, body: deploymentShape(request.ctx, deployment) };
  }),

  route('GET', '/repos/{owner}/{repo}/deployments/{deployment_id}', 'installation', (request) => ({
    status: 200,
    body: deploymentShape(request.ctx, deploymentFor(request)),
  })),

  route('GET', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', 'installation', (request) => {
    const deployment = deploymentFor(request);
    const statuses = [...deployment.statuses].reverse();
    return pageOf(request, statuses, (s) => deploymentStatusShape(request.ctx, deployment, s));
  }),

  route('POST', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', 'installation', (request) => {
    repoFor(request, 'write');
    const deployment = deploymentFor(request);
    const status = addDeploymentStatus(request.ctx, deployment, bodyOf<DeploymentStatusInput>(request), actorOf(request), appOf(request));
    return { status: 201, body: deploymentStatusShape(request.ctx, deployment, status) };
  }),

  route('GET', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses/{status_id}', 'installation', (request) => {
    const deployment = deploymentFor(request);
    const status = deployment.statuses.find((s) => s.id === intParam(request, 'status_id'));
    if (!status) throw notFound();
    return { status: 200, body: deploymentStatusShape(request.ctx, deployment, status) };
  }),
];
