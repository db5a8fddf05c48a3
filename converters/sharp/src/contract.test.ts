import { describeConverterContract } from '@pixelflow/converter-kit/testing';
import { createLogger } from '@pixelflow/logger';
import sharp from 'sharp';
import { converterIds } from './converters/index.ts';
import { sharpSettings } from './env.ts';
import { createSharpConverterService } from './service.ts';

// Every sharp converter, served as in production, held to converters/openapi.yaml.
describeConverterContract('the sharp converters', {
  async start() {
    const service = createSharpConverterService({
      ...sharpSettings.defaults,
      maxInFlight: 1,
      logger: createLogger({ service: 'test', level: 'silent' }),
      host: '127.0.0.1',
      http: { closeGraceMs: 10_000 },
    });
    const { url } = await service.listen();
    return {
      urls: Object.fromEntries(converterIds.map((id) => [id, `${url}/${id}`])),
      close: () => service.close(),
    };
  },
  params: { resize: { width: 8 } },
  // A 49 MP sharpen: about 3 s on a fast core, since libvips cannot be made to wait.
  slow: {
    id: 'sharpen',
    params: { sigma: 5 },
    image: () =>
      sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#888' } })
        .png()
        .toBuffer(),
  },
});
