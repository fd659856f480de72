// The project's manifest of every external pretrained file v2meow uses: id, file name inside a model
// directory, size, sha256, license and the upstream GitHub location it was copied from unchanged.
// The weights themselves are never committed; the model store (./modelStore.ts) finds them on disk.

/** Where a file came from: a path at a commit of a public GitHub repository. */
export interface UpstreamLocation {
  /** `owner/name` on GitHub. */
  readonly repo: string;
  /** Path of the file inside the repository. */
  readonly path: string;
  /** Commit holding that path (full or abbreviated sha). */
  readonly commit: string;
}

/** One external file. */
export interface ModelEntry {
  /** Stable id used by code and the CLI, e.g. `yamnet`. */
  readonly id: string;
  /** Path relative to a model directory, e.g. `yamnet/yamnet.tflite`. */
  readonly file: string;
  /** Exact size in bytes. */
  readonly bytes: number;
  /** Lowercase hex sha256 of the file. */
  readonly sha256: string;
  /** SPDX license id. */
  readonly license: string;
  readonly upstream: UpstreamLocation;
  /** One line: what the file is. */
  readonly description: string;
}

const lyraCommit = '47698dadf0010abff6a848e02642f55f806d4842';
const tfliteSupportCommit = 'dd3362ea685bb7ab1f7268c81ec567d3b720ae57';
const musicnnCommit = 'ad6cfb80517dadb9ef70ac73a5375074f7c8258f';
const tfliteSupport = 'tensorflow/tflite-support';

export const modelManifest: readonly ModelEntry[] = [
  {
    id: 'lyra-soundstream-encoder',
    file: 'lyra/soundstream_encoder.tflite',
    bytes: 1779200,
    sha256: '237da0b16226fb0a68d49551c81bebf614e42142af72764448359f68581e88f1',
    license: 'Apache-2.0',
    upstream: {
      repo: 'google/lyra',
      path: 'lyra/model_coeffs/soundstream_encoder.tflite',
      commit: lyraCommit,
    },
    description:
      'Lyra v2 SoundStream encoder, 16 kHz, 320 samples -> 64-d latent per 20 ms frame (int8, streaming).',
  },
  {
    id: 'lyra-quantizer',
    file: 'lyra/quantizer.tflite',
    bytes: 329012,
    sha256: '841ee05989687d32d1f616a8ad1419fc7eda37599d3c05c7cf5a0d60ccf8ac5c',
    license: 'Apache-2.0',
    upstream: { repo: 'google/lyra', path: 'lyra/model_coeffs/quantizer.tflite', commit: lyraCommit },
    description: 'Lyra v2 residual VQ: 46 codebooks x 16 x 64.',
  },
  {
    id: 'lyra-soundstream-decoder',
    file: 'lyra/lyragan.tflite',
    bytes: 1475160,
    sha256: '50e7839cda4f30599a3a34cfaddcd9c98449b049eee884e1a74295780448ad06',
    license: 'Apache-2.0',
    upstream: { repo: 'google/lyra', path: 'lyra/model_coeffs/lyragan.tflite', commit: lyraCommit },
    description: 'Lyra v2 SoundStream decoder (LyraGAN), 64-d latent -> 320 samples (int8, streaming).',
  },
  {
    id: 'yamnet',
    file: 'yamnet/yamnet.tflite',
    bytes: 4126810,
    sha256: '10c95ea3eb9a7bb4cb8bddf6feb023250381008177ac162ce169694d05c317de',
    license: 'Apache-2.0',
    upstream: {
      repo: tfliteSupport,
      path: 'tensorflow_lite_support/cc/test/testdata/task/audio/yamnet_audio_classifier_with_metadata.tflite',
      commit: tfliteSupportCommit,
    },
    description:
      'YAMNet AudioSet classifier (521 classes, int8), 15600 samples at 16 kHz in; embedding = tensor 115.',
  },
  {
    id: 'yamnet-labels',
    file: 'yamnet/yamnet_521_labels.txt',
    bytes: 6230,
    sha256: '8e1267a120c1932b7273c0d0e0c5529edbb9a35512b437b1c8982baa59047051',
    license: 'Apache-2.0',
    upstream: {
      repo: tfliteSupport,
      path: 'tensorflow_lite_support/metadata/python/tests/testdata/audio_classifier/yamnet_521_labels.txt',
      commit: tfliteSupportCommit,
    },
    description: 'YAMNet class names in output order.',
  },
  {
    id: 'musicnn-mtt',
    file: 'musicnn/MTT_musicnn.h5',
    bytes: 3319120,
    sha256: '1a66a2e58e862e894c088bd7789b05874becf994f275c54d9575dab83fab4ebe',
    license: 'ISC',
    upstream: {
      repo: 'Quint-e/musicnn_keras',
      path: 'musicnn_keras/keras_checkpoints/MTT_musicnn.h5',
      commit: musicnnCommit,
    },
    description:
      'MusiCNN tagger (Keras HDF5), MagnaTagATune 50 tags; 16 kHz, n_fft 512, hop 256, 96 mels, 3 s.',
  },
  {
    id: 'musicnn-msd',
    file: 'musicnn/MSD_musicnn.h5',
    bytes: 3319120,
    sha256: '412a832c8527a813e084ba6f2cc7d068ecbbf1b68bda8c1de2e7de0d1f5fe7d1',
    license: 'ISC',
    upstream: {
      repo: 'Quint-e/musicnn_keras',
      path: 'musicnn_keras/keras_checkpoints/MSD_musicnn.h5',
      commit: musicnnCommit,
    },
    description: 'MusiCNN tagger (Keras HDF5), Million Song Dataset 50 tags.',
  },
  {
    id: 'musicnn-config',
    file: 'musicnn/configuration.py.txt',
    bytes: 1229,
    sha256: '00fd595eb16bad3a605e10bb6eaf0152cb8125bed6e2c884a636f679ae100419',
    license: 'ISC',
    upstream: {
      repo: 'Quint-e/musicnn_keras',
      path: 'musicnn_keras/configuration.py',
      commit: musicnnCommit,
    },
    description: 'MusiCNN frontend constants and the MTT / MSD label lists in output order (text copy).',
  },
  {
    id: 'mobilenet-v2-quant',
    file: 'vision/mobilenet_v2_1.0_224_quant.tflite',
    bytes: 3577760,
    sha256: 'f08d447cde49b4e0446428aa921aff0a14ea589fa9c5817b31f83128e9a43c1d',
    license: 'Apache-2.0',
    upstream: {
      repo: tfliteSupport,
      path: 'tensorflow_lite_support/metadata/python/tests/testdata/image_classifier/mobilenet_v2_1.0_224_quant.tflite',
      commit: tfliteSupportCommit,
    },
    description:
      'MobileNetV2 1.0 224, uint8, ImageNet 1001 classes (quantized logits); pooled 1280-d features.',
  },
  {
    id: 'mobilenet-v1-025-float',
    file: 'vision/mobilenet_v1_0.25_224_1_default_1.tflite',
    bytes: 1882904,
    sha256: '446ec673881cd46371a8726075b714194ada39d144762260cb76d15318597df7',
    license: 'Apache-2.0',
    upstream: {
      repo: tfliteSupport,
      path: 'tensorflow_lite_support/cc/test/testdata/task/vision/mobilenet_v1_0.25_224_1_default_1.tflite',
      commit: tfliteSupportCommit,
    },
    description: 'MobileNet v1 0.25 224, float32, ImageNet 1001 classes (softmax); pooled 256-d features.',
  },
  {
    id: 'imagenet-labels',
    file: 'vision/imagenet_labels.txt',
    bytes: 10484,
    sha256: '536feacc519de3d418de26b2effb4d75694a8c4c0063e36499a46fa8061e2da9',
    license: 'Apache-2.0',
    upstream: {
      repo: tfliteSupport,
      path: 'tensorflow_lite_support/java/src/javatests/org/tensorflow/lite/support/assets/labels.txt',
      commit: tfliteSupportCommit,
    },
    description: '1001 ImageNet labels (index 0 = background).',
  },
  {
    id: 'movenet-lightning-int8',
    file: 'vision/movenet_singlepose_lightning_int8.tflite',
    bytes: 2894840,
    sha256: 'cd7cc22fa946e5d146a7b98d496853e1923e22828d3972d579973f27f91bb105',
    license: 'Apache-2.0',
    upstream: {
      repo: tfliteSupport,
      // The file exists only in the repository's history, at this abbreviated commit.
      path: 'tensorflow_lite_support/cc/test/testdata/task/vision/lite-model_movenet_singlepose_lightning_tflite_int8_4.tflite',
      commit: '9b272ef0',
    },
    description: 'MoveNet single-pose lightning int8: 192x192 uint8 RGB in, 17 keypoints (y, x, score) out.',
  },
];

/** The manifest entry with this id; throws a plain Error for an unknown id (a programming error). */
export function manifestEntry(id: string): ModelEntry {
  const entry = modelManifest.find((e) => e.id === id);
  if (!entry)
    throw new Error(`unknown model id '${id}' (known: ${modelManifest.map((e) => e.id).join(', ')})`);
  return entry;
}

/** The raw.githubusercontent.com URL of an entry's upstream file. */
export function upstreamUrl(entry: ModelEntry): string {
  const { repo, commit, path } = entry.upstream;
  return `https://raw.githubusercontent.com/${repo}/${commit}/${path}`;
}
