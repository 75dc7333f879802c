import path from 'node:path';

/**
 * The folder holding the shared datasets (ml-100k, ml-1m, ...).
 * Set RECODER_DATA_DIR to move it; by default it is `../shared/datasets`
 * beside the working directory, which is where the project checkout expects it.
 */
export function dataDir(): string {
  const configured = process.env.RECODER_DATA_DIR;
  if (configured !== undefined && configured !== '') return path.resolve(configured);
  return path.resolve(process.cwd(), '..', 'shared', 'datasets');
}
