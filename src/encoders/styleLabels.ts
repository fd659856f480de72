// Labels of the style space's 100 dimensions (MTT then MSD tags, `mtt:` / `msd:` prefixed, the order of
// MusicnnStyleEncoder.labels), read from MusiCNN's configuration.py through the model store without loading
// either network. The committed prototype table records them too, so the text encoder needs neither.
import { readFileSync } from 'node:fs';
import { resolveModel } from '../weights/modelStore.js';
import { parseMusicnnLabels } from './musicnnWeights.js';

/** `mtt:guitar`, ..., `msd:happy` (100 labels). */
export function styleLabels(configId = 'musicnn-config'): string[] {
  const path = resolveModel(configId);
  const lists = parseMusicnnLabels(readFileSync(path, 'utf8'), path);
  return [...lists.mtt.map((l) => `mtt:${l}`), ...lists.msd.map((l) => `msd:${l}`)];
}
