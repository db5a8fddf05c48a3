export { GalleryClient, type GalleryClientOptions, type ImageBytes, type SaveConversion } from './client.ts';
export { galleryRoutes, type ImageJson, type ImageKind, imageSchema } from './routes.ts';
