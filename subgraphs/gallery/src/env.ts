import {
  httpUrl,
  internalSecret,
  logLevel,
  parseEnv,
  port,
  positiveInt,
  postgresUrl,
  z,
} from '@pixelflow/config';
import { defineSettings } from '@pixelflow/config/settings';
import { httpLimitsEnv } from '@pixelflow/service-kit';

export interface GallerySettings {
  /** How long a signed image URL stays valid at least, in seconds (URL_TTL_S). */
  urlTtlS: number;
}

/** The service's runtime settings: their defaults are here and nowhere else. */
export const gallerySettings = defineSettings(
  {
    /** How long a signed image URL stays valid at least, in seconds. */
    URL_TTL_S: positiveInt(3600),
  },
  (env): GallerySettings => ({ urlTtlS: env.URL_TTL_S }),
);

export const envSchema = z
  .object({
    ...httpLimitsEnv(),
    PORT: port(4004),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: logLevel(),
    /** Image metadata lives in its schema `gallery`; with OBJECT_STORE=postgres the bytes too. */
    DATABASE_URL: postgresUrl(),
    INTERNAL_SECRET: internalSecret(),
    /** Base of the public URLs the gateway serves, for the signed image URLs. */
    PUBLIC_URL: httpUrl().default('http://localhost:4000'),
    /** Where image bytes go: the table gallery.objects, or files under OBJECT_DIR. */
    OBJECT_STORE: z.enum(['postgres', 'fs']).default('postgres'),
    OBJECT_DIR: z.string().optional(),
    ...gallerySettings.env,
  })
  .refine((env) => env.OBJECT_STORE !== 'fs' || Boolean(env.OBJECT_DIR), {
    path: ['OBJECT_DIR'],
    message: 'is required when OBJECT_STORE=fs',
    // Checked even when other variables are wrong, so that one start lists every problem.
    when: () => true,
  });

export type GalleryEnv = z.infer<typeof envSchema>;

export const readGalleryEnv = (source?: Record<string, string | undefined>): GalleryEnv =>
  parseEnv(envSchema, source);
