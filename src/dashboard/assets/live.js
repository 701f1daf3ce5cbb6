// shipgate dashboard: live updates. Listens to /events (server-sent events);
// when the store's version differs from the one this page was rendered at,
// fetches the page's <main> again (?fragment=1) and swaps it in. Without this
// script every page still works: it only saves reloading.
(() => {
  'use strict';
  if (!('EventSource' in window)) return;
  const body = document.body;
  const status = document.querySelector('.live-status');
  const setState = (state, text) => {
    body.dataset.live = state;
    if (status) status.textContent = text;
  };
  let fetching = false;
  let again = false;

  async function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    try {
      const url = new URL(window.location.href);
      url.hash = '';
      url.searchParams.set('fragment', '1');
      const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (!response.ok) {
        setState('stale', `not refreshed (${response.status})`);
        return;
      }
      const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
      const next = doc.getElementById('main');
      const current = document.getElementById('main');
      if (next && current) {
        current.replaceWith(document.adoptNode(next));
        body.dataset.refreshes = String(Number(body.dataset.refreshes || '0') + 1);
      }
    } catch {
      setState('stale', 'not refreshed');
    } finally {
      fetching = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  const source = new EventSource('/events');
  source.addEventListener('version', (event) => {
    setState('connected', 'live');
    const current = document.getElementById('main');
    if (current && current.dataset.version !== event.data) void refresh();
  });
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED) setState('reconnecting', 'reconnecting…');
    else setState('closed', 'not live');
  });
  window.addEventListener('pagehide', () => source.close());
})();
