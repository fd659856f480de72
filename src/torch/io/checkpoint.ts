// Model files: weights as safetensors with the model kind, format version and config JSON in its metadata, so
// a model rebuilds itself from its file (config travels with weights). Loading checks the kind, the version,
// and every name and shape before any weight is copied.
import { existsSync } from 'node:fs';
import { V2meowError } from '../../errors.js';
import type { Module } from '../nn/module.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { loadSafetensors, readSafetensorsHeader, saveSafetensors } from './safetensors.js';

export const checkpointFormatVersion = 1;

export interface ModelFile<C> {
  /** What the file holds, e.g. 'stage1', 'codec'. */
  kind: string;
  config: C;
  /** Free-form provenance (corpus, steps, commit); stored as JSON. */
  extra: Record<string, unknown>;
}

export function saveModel<C>(
  path: string,
  module: Module,
  file: ModelFile<C>,
  moreTensors?: ReadonlyMap<string, Tensor>,
) {
  const tensors = new Map(module.stateDict());
  if (moreTensors) for (const [k, v] of moreTensors) tensors.set(k, v);
  saveSafetensors(path, tensors, {
    format: 'v2meow',
    formatVersion: String(checkpointFormatVersion),
    kind: file.kind,
    config: JSON.stringify(file.config),
    extra: JSON.stringify(file.extra),
  });
}

/** Reads kind, config and provenance without loading weights. */
export function readModelInfo<C>(path: string, expectedKind?: string): ModelFile<C> {
  if (!existsSync(path)) throw new V2meowError('FILE_NOT_FOUND', 'model file does not exist', path);
  const { metadata } = readSafetensorsHeader(path);
  if (metadata.format !== 'v2meow') throw new V2meowError('BAD_FORMAT', 'not a v2meow model file', path);
  const version = Number(metadata.formatVersion);
  if (version !== checkpointFormatVersion) {
    throw new V2meowError(
      'VERSION_MISMATCH',
      `model file format version ${metadata.formatVersion}, this v2meow reads version ${checkpointFormatVersion}`,
      path,
    );
  }
  if (expectedKind && metadata.kind !== expectedKind) {
    throw new V2meowError('BAD_FORMAT', `holds a '${metadata.kind}' model, expected '${expectedKind}'`, path);
  }
  const parse = (field: 'config' | 'extra') => {
    try {
      return JSON.parse(metadata[field] ?? '{}');
    } catch {
      throw new V2meowError('BAD_FORMAT', `model file's ${field} is not JSON`, path);
    }
  };
  return { kind: metadata.kind!, config: parse('config'), extra: parse('extra') };
}

/**
 * Loads weights into `module` (built from readModelInfo's config). Tensors in the file that the module does
 * not own are returned (e.g. optimizer state) and kept alive; the caller disposes them.
 */
export function loadModelWeights(
  path: string,
  module: Module,
  options: {
    /** Parameters the file may lack (they keep the module's values), e.g. a module newer than the file. */
    readonly mayLack?: (name: string) => boolean;
  } = {},
): Map<string, Tensor> {
  const { tensors } = loadSafetensors(path);
  const own = module.stateDict();
  const mine = new Map<string, Tensor>();
  const rest = new Map<string, Tensor>();
  for (const [k, v] of tensors) (own.has(k) ? mine : rest).set(k, v);
  const lacking = [...own.keys()].filter((k) => !mine.has(k));
  const { mayLack } = options;
  const lenient = lacking.length > 0 && mayLack !== undefined && lacking.every((k) => mayLack(k));
  try {
    module.loadStateDict(mine, !lenient, path);
  } finally {
    for (const t of mine.values()) t.dispose();
  }
  for (const t of rest.values()) keep(t);
  return rest;
}
