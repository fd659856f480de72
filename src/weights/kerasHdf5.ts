// Reader for Keras HDF5 weight files (model.save('x.h5') layout: /model_weights/<layer>/ with a
// `weight_names` attribute listing datasets such as `conv2d/kernel_1:0`). Uses the maintained h5wasm package
// (HDF5 compiled to WebAssembly) and copies every weight into float32 arrays, so the file is closed on return.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import h5wasm from 'h5wasm/node';
import { V2meowError } from '../errors.js';

/** One weight array of a layer. */
export interface KerasWeight {
  /** Short name without layer prefix and `:0`, e.g. `kernel_1`, `gamma`, `moving_mean`. */
  readonly name: string;
  /** Full dataset name as written in `weight_names`, e.g. `conv2d/kernel_1:0`. */
  readonly datasetName: string;
  /** Keras layout: conv kernels [kh, kw, in, out], dense kernels [in, out]. */
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export interface KerasWeights {
  /** Layer names in the order the file lists them (layers without weights included). */
  readonly layerNames: readonly string[];
  /** Weights by layer name, in `weight_names` order; layers without weights are absent. */
  readonly layers: ReadonlyMap<string, readonly KerasWeight[]>;
  /** The `model_config` JSON attribute, parsed, when present. */
  readonly modelConfig?: unknown;
  readonly kerasVersion?: string;
}

/** HDF5 format signature; the superblock sits at byte 0 for files written by h5py / Keras. */
const hdf5Signature = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

function hasHdf5Signature(path: string): boolean {
  const head = Buffer.alloc(8);
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, head, 0, 8, 0) === 8 && head.equals(hdf5Signature);
  } finally {
    closeSync(fd);
  }
}

function attrStrings(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter((s) => s.length > 0);
  if (value === null || value === undefined) return [];
  return String(value).length > 0 ? [String(value)] : [];
}

function shortName(datasetName: string): string {
  const last = datasetName.split('/').pop() ?? datasetName;
  return last.replace(/:\d+$/, '');
}

/**
 * Reads every layer's weights from a Keras .h5 file.
 * Throws V2meowError FILE_NOT_FOUND, or BAD_FORMAT when the file is not HDF5 or lacks the Keras layout.
 */
export async function readKerasWeights(path: string): Promise<KerasWeights> {
  if (!existsSync(path) || !statSync(path).isFile())
    throw new V2meowError('FILE_NOT_FOUND', 'no such file', path);
  // Checked here so that HDF5's own diagnostics never reach the terminal for a plain wrong file.
  if (!hasHdf5Signature(path))
    throw new V2meowError('BAD_FORMAT', 'not an HDF5 file (no HDF5 signature)', path);
  await h5wasm.ready;
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(path, 'r');
  } catch (error) {
    throw new V2meowError('BAD_FORMAT', 'not an HDF5 file', path, { cause: error });
  }
  try {
    const root = file.get('model_weights') ?? file;
    if (!(root instanceof h5wasm.Group)) throw new V2meowError('BAD_FORMAT', 'no model_weights group', path);
    const layerNames = attrStrings(root.attrs.layer_names?.value);
    if (layerNames.length === 0)
      throw new V2meowError('BAD_FORMAT', 'no layer_names attribute: not a Keras file', path);
    const layers = new Map<string, KerasWeight[]>();
    for (const layerName of layerNames) {
      const group = root.get(layerName);
      if (!(group instanceof h5wasm.Group)) continue;
      const weights: KerasWeight[] = [];
      for (const datasetName of attrStrings(group.attrs.weight_names?.value)) {
        const dataset = group.get(datasetName);
        if (!(dataset instanceof h5wasm.Dataset))
          throw new V2meowError('BAD_FORMAT', `layer ${layerName}: missing dataset ${datasetName}`, path);
        const raw = dataset.value as ArrayLike<number>;
        weights.push({
          name: shortName(datasetName),
          datasetName,
          shape: dataset.shape ?? [],
          values: Float32Array.from(raw),
        });
      }
      if (weights.length > 0) layers.set(layerName, weights);
    }
    const config = file.attrs.model_config?.value;
    const version = file.attrs.keras_version?.value;
    return {
      layerNames,
      layers,
      modelConfig: typeof config === 'string' ? JSON.parse(config) : undefined,
      kerasVersion: version === undefined ? undefined : String(version),
    };
  } finally {
    file.close();
  }
}

/** The named weight of a layer (`kernel` also matches `kernel_1`); throws V2meowError BAD_FORMAT when absent. */
export function kerasWeight(weights: KerasWeights, layerName: string, name: string): KerasWeight {
  const found = weights.layers
    .get(layerName)
    ?.find((w) => w.name === name || w.name.replace(/_\d+$/, '') === name);
  if (!found) {
    const have = (weights.layers.get(layerName) ?? []).map((w) => w.name).join(', ') || 'no weights';
    throw new V2meowError('BAD_FORMAT', `layer '${layerName}' has no weight '${name}' (has: ${have})`);
  }
  return found;
}
