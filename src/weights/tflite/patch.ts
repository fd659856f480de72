// In-memory edit of a .tflite file: replace a subgraph's output list, so that intermediate tensors (e.g.
// YAMNet's 1024-d embedding, tensor 115) become readable outputs of the TFLite runtime. The new int32 vector
// is appended at the end of the file and the SubGraph.outputs offset is pointed at it; every other byte is
// unchanged, so the graph computes exactly what it computed before.
import { V2meowError } from '../../errors.js';
import { rootTable } from './table.js';

const subgraphsField = 2;
const buffersField = 4;
const subgraphOutputsField = 2;
const bufferOffsetField = 1;

/**
 * Copy of `bytes` whose subgraph `subgraphIndex` lists `outputs` (tensor ids) as its outputs.
 * Throws V2meowError BAD_FORMAT when the file cannot be edited this way.
 */
export function withSubgraphOutputs(
  bytes: Uint8Array,
  outputs: readonly number[],
  subgraphIndex = 0,
  file?: string,
): Uint8Array {
  const root = rootTable(bytes);
  const subgraph = root.tables(subgraphsField)[subgraphIndex];
  if (!subgraph) throw new V2meowError('BAD_FORMAT', `no subgraph ${subgraphIndex}`, file);
  const fieldAt = subgraph.fieldPosition(subgraphOutputsField);
  if (!fieldAt)
    throw new V2meowError('BAD_FORMAT', `subgraph ${subgraphIndex} has no outputs field to edit`, file);
  // Buffers stored past the flatbuffer (files > 2 GB) are addressed absolutely; appending would break them.
  if (root.tables(buffersField).some((b) => b.uint64(bufferOffsetField) > 1n))
    throw new V2meowError('BAD_FORMAT', 'cannot edit a TFLite file with external buffers', file);
  const vectorAt = Math.ceil(bytes.length / 4) * 4;
  const result = new Uint8Array(vectorAt + 4 + 4 * outputs.length);
  result.set(bytes);
  const view = new DataView(result.buffer);
  view.setInt32(vectorAt, outputs.length, true);
  for (const [i, tensorId] of outputs.entries()) view.setInt32(vectorAt + 4 + 4 * i, tensorId, true);
  // A uoffset is relative to where it is stored and always points forward: the end of the file qualifies.
  view.setUint32(fieldAt, vectorAt - fieldAt, true);
  return result;
}
