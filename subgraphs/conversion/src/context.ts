import type { ConverterRegistry } from './converters/registry.ts';
import type { ConversionIntake } from './intake.ts';

export interface ConversionContext {
  registry: ConverterRegistry;
  intake: ConversionIntake;
}
