// Shared test harness of the converter SDK: the contract suite every converter runs, and a model
// converter's stand-in worker.
export {
  type ContractSubject,
  describeConverterContract,
  type RunningConverters,
} from './contract.suite.ts';
export { type ConvertedOnce, type ConvertOnceOptions, convertOnce } from './convert-once.ts';
export { fixtureDescription, fixtureWorkerUrl, modelContractSubject } from './fixture.ts';
export { contractDocument, expectContract, expectRetryAfter, strictDefaults } from './openapi.ts';
export { benchConverterProcess, type ProcessBenchOptions } from './process-bench.ts';
