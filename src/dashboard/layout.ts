/**
 * The page around every dashboard view: head (the stylesheet and the live
 * script from `/assets/`, nothing inline, so the Content-Security-Policy needs
 * no `unsafe-inline`), the navigation, and the `<main>` fragment that the live
 * script swaps in when the store changes.
 */
import { html, type SafeHtml } from './html.ts';

/** The pages of the navigation. */
export type NavKey = 'runs' | 'deployments' | 'approvals' | 'trends';

const NAV: ReadonlyArray<{ key: NavKey; href: string; label: string }> = [
  { key: 'runs', href: '/', label: 'Runs' },
  { key: 'deployments', href: '/deployments', label: 'Deployments' },
  { key: 'approvals', href: '/approvals', label: 'Approvals' },
  { key: 'trends', href: '/trends', label: 'Trends' },
];

/** The URLs of the static assets (with a content version, so a new build is fetched anew). */
export interface AssetUrls {
  css: string;
  js: string;
}

/** A whole page. */
export interface LayoutView {
  title: string;
  /** The nav entry to mark as current; null for pages outside the navigation (login, errors). */
  current: NavKey | null;
  main: SafeHtml;
  assets: AssetUrls;
  /** Whether the page listens for changes (`/events`); error pages do not. */
  live: boolean;
}

/**
 * The `<main>` element: its `data-version` is the store's change version the
 * page was rendered at, which the live script compares with the events it gets.
 */
export function renderMain(version: string, content: SafeHtml): SafeHtml {
  return html`<main id="main" data-version="${version}">${content}</main>`;
}

/** The page: doctype, head, navigation, main. */
export function renderLayout(view: LayoutView): SafeHtml {
  const nav = NAV.map(
    (item) => html`<a href="${item.href}"${item.key === view.current ? html` aria-current="page" class="current"` : ''}>${item.label}</a>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${view.title} · shipgate</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${view.assets.css}">
${view.live ? html`<script src="${view.assets.js}" defer></script>` : ''}
</head>
<body${view.live ? html` data-live="connecting"` : ''}>
<header class="top"><span class="brand">shipgate</span><nav aria-label="dashboard">${nav}</nav><span class="live-status" aria-live="polite"></span></header>
${view.main}
</body>
</html>
`;
}
