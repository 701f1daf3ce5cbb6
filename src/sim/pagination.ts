/**
 * GitHub's page-number pagination: `per_page` (default 30, at most 100) and `page`
 * (from 1), with a `Link` header carrying `next`, `last`, `first` and `prev`.
 */

export interface Page<T> {
  items: T[];
  /** The `Link` header, absent when everything fits on one page. */
  link: string | undefined;
}

export interface PageRequest {
  /** The full request URL (origin + path + query), used to build the links. */
  url: URL;
  defaultPerPage?: number;
  maxPerPage?: number;
}

/** Slices `all` to the requested page and builds the `Link` header. */
export function paginate<T>(all: readonly T[], request: PageRequest): Page<T> {
  const maxPerPage = request.maxPerPage ?? 100;
  const perPageRaw = Number(request.url.searchParams.get('per_page') ?? request.defaultPerPage ?? 30);
  const perPage = Math.min(maxPerPage, Math.max(1, Number.isFinite(perPageRaw) ? Math.floor(perPageRaw) : 30));
  const pageRaw = Number(request.url.searchParams.get('page') ?? 1);
  const page = Math.max(1, Number.isFinite(pageRaw) ? Math.floor(pageRaw) : 1);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  if (lastPage === 1 && page === 1) return { items, link: undefined };

  const linkTo = (target: number): string => {
    const url = new URL(request.url.href);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(target));
    return url.href;
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${linkTo(Math.min(page - 1, lastPage))}>; rel="prev"`);
  if (page < lastPage) links.push(`<${linkTo(page + 1)}>; rel="next"`, `<${linkTo(lastPage)}>; rel="last"`);
  if (page > 1) links.push(`<${linkTo(1)}>; rel="first"`);
  return { items, link: links.join(', ') };
}
