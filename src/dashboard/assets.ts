/**
 * The dashboard's two static files, `dashboard.css` and `live.js` (next to
 * this module in `assets/`), read once and served from `/assets/…` with a
 * content version in their URLs, so browsers may keep them and still fetch a
 * changed file at once.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AssetUrls } from './layout.ts';

/** A static file as served. */
export interface Asset {
  path: string;
  contentType: string;
  body: Buffer;
  /** The first 12 hex digits of its SHA-256. */
  version: string;
}

function load(file: string, contentType: string): Asset {
  const body = readFileSync(new URL(`./assets/${file}`, import.meta.url));
  return { path: `/assets/${file}`, contentType, body, version: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

/** The static files by path. */
export function loadAssets(): Map<string, Asset> {
  const assets = [load('dashboard.css', 'text/css; charset=utf-8'), load('live.js', 'text/javascript; charset=utf-8')];
  return new Map(assets.map((asset) => [asset.path, asset]));
}

/** The URLs pages link the assets by (`/assets/dashboard.css?v=…`). */
export function assetUrls(assets: Map<string, Asset>): AssetUrls {
  const url = (path: string) => {
    const asset = assets.get(path);
    return asset ? `${asset.path}?v=${asset.version}` : path;
  };
  return { css: url('/assets/dashboard.css'), js: url('/assets/live.js') };
}
