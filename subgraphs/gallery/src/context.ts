import type { Logger } from '@pixelflow/logger';
import type { Identity } from '@pixelflow/service-kit';
import type { Gallery } from './gallery.ts';
import type { UrlSigner } from './signed-urls.ts';

export interface GalleryContext {
  /** The caller, as the gateway vouched for it. */
  identity: Identity;
  gallery: Gallery;
  urls: UrlSigner;
  logger: Logger;
}
