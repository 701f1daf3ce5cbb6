/**
 * The dashboard's short answers that are not views of the store: how to log
 * in (401), how to turn the dashboard on (404 while `DASHBOARD_TOKEN` is not
 * set), an unknown run or page (404), a bad request (400) and a failure (500).
 */
import { html, type SafeHtml } from './html.ts';

/** A message page: its HTTP status, its title and its content. */
export interface MessagePage {
  status: number;
  title: string;
  body: SafeHtml;
}

/** 401: no token, or the wrong one. */
export function loginRequiredPage(reason: 'missing' | 'wrong'): MessagePage {
  return {
    status: 401,
    title: 'Log in',
    body: html`<h1>Log in to the shipgate dashboard</h1>
<p>${reason === 'wrong' ? 'That token is not the dashboard token.' : 'This dashboard needs its access token.'}</p>
<p>Open <code>/login?token=&lt;DASHBOARD_TOKEN&gt;</code> in this browser once (it sets a session cookie and brings you back here), or send the header <code>Authorization: Bearer &lt;DASHBOARD_TOKEN&gt;</code>.</p>
<p>The token is the value of <code>DASHBOARD_TOKEN</code> in shipgate's environment; <code>shipgate demo</code> prints a login link with its own.</p>`,
  };
}

/** 404 while the dashboard is not configured. */
export function notConfiguredPage(): MessagePage {
  return {
    status: 404,
    title: 'Dashboard off',
    body: html`<h1>The dashboard is off</h1>
<p>Set <code>DASHBOARD_TOKEN</code> in shipgate's environment to a long random secret (for example the output of <code>openssl rand -hex 32</code>) and restart shipgate. Then open <code>/login?token=&lt;DASHBOARD_TOKEN&gt;</code>.</p>`,
  };
}

/** 404 for an unknown run or page. */
export function notFoundPage(what: string): MessagePage {
  return { status: 404, title: 'Not found', body: html`<h1>Not found</h1><p>${what}</p><p><a href="/">All runs</a></p>` };
}

/** 400 for a request that cannot be answered as asked. */
export function badRequestPage(problem: string): MessagePage {
  return { status: 400, title: 'Bad request', body: html`<h1>Bad request</h1><p>${problem}</p>` };
}

/** 500 when reading the store failed. */
export function failurePage(): MessagePage {
  return { status: 500, title: 'Error', body: html`<h1>Something went wrong</h1><p>The dashboard could not read shipgate's store. The error is in shipgate's log; try again in a moment.</p>` };
}
