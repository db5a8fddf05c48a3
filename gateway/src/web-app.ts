import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { errorBody } from '@pixelflow/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The pages may run only their own scripts (an injected <script> or inline handler does nothing);
 * images and downloads come from PUBLIC_URL, which need not be the page's own origin. The
 * playground's editor (Monaco) also runs its language services in workers made from blob: URLs.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  'img-src * data: blob:',
  'connect-src *',
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers on every page and file of the web app, here and in the cluster's web container
 * (docker/nginx-web.conf; web-app.test.ts holds the two together).
 * - Referrer-Policy `no-referrer`: nothing in the app reads a Referer, and the strictest policy
 *   is the one that can never leak a URL's query: signed image URLs carry their signature there,
 *   and a page address that ever holds one sends it nowhere. (fetch() still sends `Origin`.)
 * - X-Frame-Options `DENY`: frame-ancestors for browsers that predate it.
 */
export const pageHeaders = {
  'content-security-policy': CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
} as const;

/**
 * The built web app (web/dist) at `/`, and the GraphQL playground at `/playground`: hashed assets
 * cached for a year, the HTML pages never (a new build is picked up at once). Any other GET of a
 * page that is no API route (a client-side route such as /gallery, reloaded) gets the editor's
 * page; everything else keeps its JSON 404.
 */
export async function registerWebApp(app: FastifyInstance, webDir: string): Promise<void> {
  const editor = join(webDir, 'index.html');
  if (!existsSync(editor)) throw new Error(`no built web app in ${webDir} (index.html is missing)`);
  const playground = existsSync(join(webDir, 'playground/index.html'));

  await app.register(fastifyStatic, {
    root: webDir,
    // One route per file present at start, rather than a catch-all that would shadow the API's 404s.
    wildcard: false,
    index: false,
    // Every page, however it is reached (/, /index.html, /playground, a client-side route).
    setHeaders(reply, path) {
      reply.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      reply.header('x-content-type-options', pageHeaders['x-content-type-options']);
      reply.header('referrer-policy', pageHeaders['referrer-policy']);
      if (path.endsWith('.html')) {
        reply.header('content-security-policy', pageHeaders['content-security-policy']);
        reply.header('x-frame-options', pageHeaders['x-frame-options']);
      }
    },
  });

  const page = (file: string) => (_request: FastifyRequest, reply: FastifyReply) => reply.sendFile(file);
  app.get('/', page('index.html'));
  if (playground) app.get('/playground', page('playground/index.html'));

  const apiPrefixes = ['/graphql', '/auth/', '/jobs/', '/images/', '/assets/'];
  app.get('/*', (request, reply) => {
    const path = request.url.split('?')[0]!;
    const wantsPage = String(request.headers.accept ?? '').includes('text/html');
    if (!wantsPage || apiPrefixes.some((prefix) => path.startsWith(prefix)) || /\.\w+$/.test(path)) {
      return reply.code(404).send(errorBody('NOT_FOUND', `no route for GET ${path}`));
    }
    return page('index.html')(request, reply);
  });
}
