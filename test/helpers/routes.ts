/** GitHub routes the end-to-end tests look for in the simulator's request log (`METHOD template`). */
export const DISPATCH = 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';
