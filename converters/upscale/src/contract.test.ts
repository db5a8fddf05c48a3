import { describeConverterContract, modelContractSubject } from '@pixelflow/converter-kit/testing';
import { description } from './core/description.ts';

// AI upscaling as its service answers, held to converters/openapi.yaml: its own description and
// params, the kit's stand-in worker in place of the model.
describeConverterContract('upscale', modelContractSubject(description));
