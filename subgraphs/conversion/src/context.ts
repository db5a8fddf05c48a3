import type { Identity } from '@pixelflow/service-kit';
import type { Admission } from './admission.ts';
import type { JobCancel } from './cancel.ts';
import type { ConverterRegistry } from './converters/registry.ts';
import type { ConversionIntake } from './intake.ts';

export interface ConversionContext {
  /** The caller, as the gateway vouched for it: a signed-in caller owns the job. */
  identity: Identity;
  registry: ConverterRegistry;
  intake: ConversionIntake;
  cancels: JobCancel;
  admission: Admission;
}
