export type { BackendChoice, BackendKind, BackendOptions } from './backend.ts';
export { selectBackend } from './backend.ts';
