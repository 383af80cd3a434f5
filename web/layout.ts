// The page shell shared by the dashboard and the public page, and the stylesheet route.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { html, type Html, type HtmlValue } from './html.ts';

export const STYLESHEET_PATH = '/static/aspirasi.css';
const stylesheetFile = join(dirname(fileURLToPath(import.meta.url)), 'static', 'aspirasi.css');

// No scripts anywhere; inline styles only because vega's SVG charts carry style attributes.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface PageOptions {
  title: string;
  villageName: string;
  body: HtmlValue;
  /** The header's links and logout button when an officer is logged in. */
  officer?: { name: string; csrfToken: string };
  /** Search engines need not index the officers' pages. */
  noindex?: boolean;
}

export function renderPage(options: PageOptions): string {
  const nav: Html = options.officer
    ? html`<a href="/dasbor">Tiket</a><a href="/dasbor/musdes">Usulan Musdes</a><a href="/publik">Halaman publik</a>
<form method="post" action="/keluar"><input type="hidden" name="csrf" value="${options.officer.csrfToken}"><button type="submit" title="${options.officer.name}">Keluar</button></form>`
    : html`<a href="/publik">Statistik</a>`;
  return html`<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.noindex ? html`<meta name="robots" content="noindex">` : ''}
<title>${options.title} — ${options.villageName}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<header class="top"><a class="brand" href="${options.officer ? '/dasbor' : '/publik'}">Aspirasi ${options.villageName}</a>${nav}</header>
<main>
${options.body}
</main>
</body>
</html>
`.toString();
}

/** Sends an HTML page with the headers every page gets. */
export function sendPage(reply: FastifyReply, page: string, status = 200): FastifyReply {
  if (!reply.hasHeader('referrer-policy')) void reply.header('referrer-policy', 'same-origin');
  return reply
    .code(status)
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .type('text/html; charset=utf-8')
    .send(page);
}

/** Serves the stylesheet once per server, whichever of the dashboard and public page registers first. */
export function registerStylesheet(app: FastifyInstance): void {
  if (app.hasRoute({ method: 'GET', url: STYLESHEET_PATH })) return;
  const css = readFileSync(stylesheetFile, 'utf8');
  app.get(STYLESHEET_PATH, (_request, reply) => reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(css));
}
