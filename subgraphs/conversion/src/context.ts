import type { Identity } from '@pixelflow/service-kit';
import type { ConverterRegistry } from './converters/registry.ts';
import type { ConversionIntake } from './intake.ts';

export interface ConversionContext {
  /** The caller, as the gateway vouched for it: a signed-in caller owns the job. */
  identity: Identity;
  registry: ConverterRegistry;
  intake: ConversionIntake;
}
