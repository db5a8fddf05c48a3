import { describe, expect, it } from 'vitest';
import { describeConverterContract } from '../testing/contract.suite.ts';
import { fixtureDescription, modelContractSubject } from '../testing/fixture.ts';
import { contractDocument } from '../testing/openapi.ts';

// The model shape of the SDK (worker pool, progress), on the fixture worker. The sharp converters,
// deepdream, upscale and the fault converter of the tests run the same suite in their packages.
describeConverterContract(
  'a model converter',
  modelContractSubject(fixtureDescription(), { slowParams: { steps: 10, stepMs: 150 } }),
);

describe('the contract document', () => {
  it('names every path and every answer the SDK gives', () => {
    expect(Object.keys(contractDocument.paths).sort()).toEqual([
      '/convert',
      '/describe',
      '/healthz',
      '/readyz',
    ]);
    expect(Object.keys(contractDocument.paths['/convert']!.post!.responses).sort()).toEqual([
      '200',
      '400',
      '413',
      '415',
      '422',
      '500',
      '503',
    ]);
  });
});
