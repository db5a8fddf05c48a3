import { z } from '@pixelflow/config';
import { AppError, errorBody } from '@pixelflow/errors';
import { galleryRoutes } from '@pixelflow/gallery-api';
import { MAX_RESULT_BYTES } from '@pixelflow/product';
import {
  type RouteRequest,
  requireInternalToken,
  serveRoutes,
  type ZodTypeProvider,
  zodValidatorCompiler,
} from '@pixelflow/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Gallery } from './gallery.ts';
import { type ImageKind, type ImageVariant, isUuid, toImageJson } from './images.ts';
import type { UrlSigner } from './signed-urls.ts';

export interface GalleryRoutesOptions {
  gallery: Gallery;
  urls: UrlSigner;
  internalSecret: string;
  /** Largest image the internal API accepts, in bytes. @default MAX_RESULT_BYTES */
  maxImageBytes?: number;
  now?: () => number;
}

const signedRoute = {
  params: z.object({ id: z.string().max(64) }),
  querystring: z.object({ exp: z.string().max(20).optional(), sig: z.string().max(100).optional() }),
};
type SignedRequest = FastifyRequest<{
  Params: z.infer<typeof signedRoute.params>;
  Querystring: z.infer<typeof signedRoute.querystring>;
}>;
type SaveRequest = RouteRequest<typeof galleryRoutes.saveOriginal | typeof galleryRoutes.saveConverted>;

/**
 * Image types a browser may render from the app's origin: raster formats, which run nothing. The
 * gallery stores only what it re-encoded (JPEG, PNG, WebP; thumbnails WebP), so anything else in
 * the store was not put there by it and goes out as an opaque download.
 */
const rasterTypes = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);

/**
 * On every answer of the download routes, bytes or error: no type sniffing, and a document of no
 * rights should a browser open one anyway (no scripts, no subresources, a unique origin; inline
 * style only, for the browser's own image viewer, as GitHub's raw content does). No referrer:
 * the URL carries its signature.
 */
const storedBytesHeaders = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  'referrer-policy': 'no-referrer',
} as const;

/**
 * `GET /images/:id` and `GET /images/:id/thumbnail` (public, through the gateway: signed URLs
 * stand in for a token, so that `<img src>` works), and the internal API the conversion service
 * saves images with (galleryRoutes, behind the internal secret).
 */
export function registerGalleryRoutes(app: FastifyInstance, options: GalleryRoutesOptions): void {
  const { gallery, urls, internalSecret, maxImageBytes = MAX_RESULT_BYTES, now = Date.now } = options;

  const download = (variant: ImageVariant) => async (request: SignedRequest, reply: FastifyReply) => {
    const { id } = request.params;
    const verdict = urls.verify(id, variant, request.query.exp, request.query.sig);
    if (!verdict.ok) {
      return reply
        .code(403)
        .header('cache-control', 'no-store')
        .send(errorBody('INVALID_SIGNATURE', 'the image URL was changed or has expired'));
    }
    const object = await gallery.download(id, variant);
    if (!object) {
      return reply
        .code(404)
        .header('cache-control', 'no-store')
        .send(errorBody('IMAGE_NOT_FOUND', `image ${id} does not exist`));
    }
    const maxAge = Math.max(0, verdict.expiresAt - Math.ceil(now() / 1000));
    const type = object.contentType.split(';')[0]!.trim().toLowerCase();
    if (rasterTypes.has(type)) reply.header('content-type', type);
    else reply.header('content-type', 'application/octet-stream').header('content-disposition', 'attachment');
    return reply.code(200).header('cache-control', `private, max-age=${maxAge}`).send(object.data);
  };
  const route = {
    schema: signedRoute,
    validatorCompiler: zodValidatorCompiler,
    // Before validation, so that its 400s carry the headers too.
    onRequest: async (_request: FastifyRequest, reply: FastifyReply) => {
      reply.headers(storedBytesHeaders);
    },
  };
  const signed = app.withTypeProvider<ZodTypeProvider>();
  signed.get('/images/:id', route, download('image'));
  signed.get('/images/:id/thumbnail', route, download('thumbnail'));

  app.register(async (internal) => {
    internal.addHook('onRequest', requireInternalToken(internalSecret));
    internal.addContentTypeParser(
      /^image\//,
      { parseAs: 'buffer', bodyLimit: maxImageBytes },
      (_req, body, done) => done(null, body),
    );

    const save = async (request: SaveRequest, kind: ImageKind, converter: string | null) => {
      const { jobId } = request.params;
      if (!isUuid(jobId)) throw new AppError('BAD_REQUEST', `job id ${jobId} is not a UUID`);
      const body = request.body;
      if (!request.headers['content-type']?.startsWith('image/')) {
        throw new AppError('UNSUPPORTED_IMAGE', 'the body must be image bytes with an image/* content type');
      }
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new AppError('BAD_REQUEST', 'the body must be the image bytes with an image/* content type');
      }
      const image = await gallery.save({ jobId, ownerId: request.query.owner, kind, converter, data: body });
      return toImageJson(image);
    };
    serveRoutes(internal, galleryRoutes, {
      saveOriginal: (request) => save(request, 'ORIGINAL', null),
      saveConverted: (request) => save(request, 'CONVERTED', request.query.converter),
      forgetJob: async (request) => ({
        deleted: await gallery.forgetJob(request.params.jobId, request.query.owner),
      }),
    });
  });
}
