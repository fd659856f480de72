// inspectMedia(): what the pretrained encoders hear and see in a file, for `v2meow inspect` and the web
// server. Audio: YAMNet top classes per 0.975 s window (hop 0.48 s) and for the clip (mean window scores).
// Video: MobileNetV2 top ImageNet classes and MoveNet person presence, one frame per second.
// MusiCNN (engine module): MTT + MSD tags per 2.992 s patch and for the clip (mean patch probabilities), both
// lists merged and sorted by probability, each tag naming its model.
import { decodeAudio, decodeFrameStreams, probe } from '../media/index.js';
import { type LabelScore, meanRows } from './classification.js';
import { Mobilenet } from './mobilenet.js';
import { Movenet } from './movenet.js';
import { type MusicnnPairResult, MusicnnStyleEncoder } from './musicnn.js';
import { Yamnet } from './yamnet.js';

export interface InspectOptions {
  /** Classes listed per window / second; default 3. */
  readonly topPerWindow?: number;
  /** Classes listed for the whole clip; default 10. */
  readonly topPerClip?: number;
  /** Video frames analysed per second; default 1. */
  readonly framesPerSecond?: number;
  /** Progress lines (e.g. to stderr). */
  readonly onProgress?: (message: string) => void;
}

export interface AudioWindowReport {
  readonly startSec: number;
  readonly yamnet: LabelScore[];
}

/** A MusiCNN tag and the model it comes from (the MTT and MSD lists share some names, e.g. `rock`). */
export interface MusicnnTagScore extends LabelScore {
  readonly model: 'mtt' | 'msd';
}

export interface MusicnnPatchReport {
  readonly startSec: number;
  /** MTT + MSD tags of the patch, highest first. */
  readonly tags: MusicnnTagScore[];
}

export interface VideoSecondReport {
  readonly timeSec: number;
  readonly imagenet: LabelScore[];
  readonly personPresent: boolean;
  /** Keypoints scoring at least MoveNet's threshold (0..17). */
  readonly keypointsSeen: number;
}

export interface InspectReport {
  readonly file: string;
  readonly durationSec: number;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  readonly audio?: {
    readonly sampleRateHz: number;
    readonly windowSec: number;
    readonly hopSec: number;
    readonly windows: AudioWindowReport[];
    /** MusiCNN patch length in seconds (2.992; patches do not overlap, a last one ends at the clip's end). */
    readonly musicnnPatchSec: number;
    readonly musicnnPatches: MusicnnPatchReport[];
  };
  readonly video?: { readonly framesPerSecond: number; readonly seconds: VideoSecondReport[] };
  readonly clip: {
    /** YAMNet classes of the whole clip (mean of window scores), highest first; empty without audio. */
    readonly yamnet: LabelScore[];
    /** MusiCNN MTT + MSD tags of the whole clip (mean of patch probabilities), highest first; empty without audio. */
    readonly musicnn: MusicnnTagScore[];
    /** ImageNet classes of the whole video (mean of frame probabilities); empty without video. */
    readonly imagenet: LabelScore[];
    /** Fraction of analysed frames with a person; null without video. */
    readonly personFraction: number | null;
  };
}

const rounded = (list: LabelScore[]): LabelScore[] =>
  list.map((c) => ({ label: c.label, score: Number(c.score.toFixed(4)) }));

/** The k best of the MTT and MSD probabilities of patch `row` (-1: the clip means), merged. */
function musicnnTop(
  style: MusicnnStyleEncoder,
  pair: MusicnnPairResult,
  row: number,
  k: number,
): MusicnnTagScore[] {
  const pick = (result: MusicnnPairResult['mtt']) => {
    const numTags = result.clipProbabilities.length;
    return row < 0
      ? result.clipProbabilities
      : result.probabilities.subarray(row * numTags, (row + 1) * numTags);
  };
  const tags = [
    ...style.mtt.top(pick(pair.mtt), k).map((t) => ({ ...t, model: 'mtt' as const })),
    ...style.msd.top(pick(pair.msd), k).map((t) => ({ ...t, model: 'msd' as const })),
  ].sort((a, b) => b.score - a.score);
  return tags.slice(0, k).map((t) => ({ label: t.label, score: Number(t.score.toFixed(4)), model: t.model }));
}

async function inspectMusicnn(waveform: Float32Array, options: InspectOptions) {
  const style = await MusicnnStyleEncoder.fromPretrained();
  try {
    const pair = style.tagBoth(waveform);
    options.onProgress?.(`musicnn: ${pair.mtt.numPatches} patches`);
    return {
      musicnnPatchSec: pair.mtt.patchSec,
      musicnnPatches: pair.mtt.patchStartSec.map((startSec, p) => ({
        startSec,
        tags: musicnnTop(style, pair, p, options.topPerWindow ?? 3),
      })),
      clipMusicnn: musicnnTop(style, pair, -1, options.topPerClip ?? 10),
    };
  } finally {
    style.dispose();
  }
}

async function inspectAudio(path: string, options: InspectOptions) {
  const yamnet = await Yamnet.fromPretrained();
  try {
    const { sampleRateHz, windowSamples, hopSamples } = yamnet.config;
    const waveform = await decodeAudio(path, { sampleRateHz });
    const result = yamnet.run(waveform, (done, total) => {
      if (done % 50 === 0 || done === total) options.onProgress?.(`yamnet: window ${done}/${total}`);
    });
    const musicnn = await inspectMusicnn(waveform, options);
    const windows = result.windowStartSec.map((startSec, w) => ({
      startSec,
      yamnet: rounded(
        yamnet.top(
          result.scores.subarray(w * yamnet.config.numClasses, (w + 1) * yamnet.config.numClasses),
          options.topPerWindow ?? 3,
        ),
      ),
    }));
    return {
      audio: {
        sampleRateHz,
        windowSec: windowSamples / sampleRateHz,
        hopSec: hopSamples / sampleRateHz,
        windows,
        musicnnPatchSec: musicnn.musicnnPatchSec,
        musicnnPatches: musicnn.musicnnPatches,
      },
      clipMusicnn: musicnn.clipMusicnn,
      clipYamnet: rounded(yamnet.top(yamnet.clipScores(result), options.topPerClip ?? 10)),
    };
  } finally {
    yamnet.dispose();
  }
}

async function inspectVideo(path: string, options: InspectOptions) {
  const framesPerSecond = options.framesPerSecond ?? 1;
  const [mobilenet, movenet] = await Promise.all([Mobilenet.fromPretrained(), Movenet.fromPretrained()]);
  try {
    const seconds: VideoSecondReport[] = [];
    const probabilities: Float32Array[] = [];
    const specs = [
      { fps: framesPerSecond, width: 224, height: 224, resize: 'crop' as const },
      { fps: framesPerSecond, width: 192, height: 192, resize: 'crop' as const },
    ];
    // The two streams arrive interleaved; pair frames by index.
    const byIndex = new Map<
      number,
      { imagenet?: LabelScore[]; pose?: { personPresent: boolean; numSeen: number } }
    >();
    for await (const frame of decodeFrameStreams(path, specs)) {
      const slot = byIndex.get(frame.frameIndex) ?? {};
      if (frame.streamIndex === 0) {
        const out = mobilenet.encode(frame);
        probabilities.push(out.probabilities);
        slot.imagenet = rounded(mobilenet.top(out.probabilities, options.topPerWindow ?? 3));
      } else {
        slot.pose = movenet.estimate(frame);
      }
      if (slot.imagenet && slot.pose) {
        seconds.push({
          timeSec: frame.timeSec,
          imagenet: slot.imagenet,
          personPresent: slot.pose.personPresent,
          keypointsSeen: slot.pose.numSeen,
        });
        byIndex.delete(frame.frameIndex);
        if (seconds.length % 10 === 0) options.onProgress?.(`video: ${seconds.length} frames`);
      } else byIndex.set(frame.frameIndex, slot);
    }
    seconds.sort((a, b) => a.timeSec - b.timeSec);
    const matrix = new Float32Array(probabilities.length * 1001);
    for (const [i, p] of probabilities.entries()) matrix.set(p, i * 1001);
    const clipImagenet = rounded(
      mobilenet.top(meanRows(matrix, probabilities.length, 1001), options.topPerClip ?? 10),
    );
    const personFraction =
      seconds.length === 0 ? 0 : seconds.filter((s) => s.personPresent).length / seconds.length;
    return {
      video: { framesPerSecond, seconds },
      clipImagenet,
      personFraction: Number(personFraction.toFixed(4)),
    };
  } finally {
    mobilenet.dispose();
    movenet.dispose();
  }
}

/**
 * Analyses an audio or video file with the frozen encoders.
 * Throws the media module's V2meowErrors for unreadable files and the model store's for missing models.
 */
export async function inspectMedia(path: string, options: InspectOptions = {}): Promise<InspectReport> {
  const info = await probe(path);
  const audioPart = info.hasAudio ? await inspectAudio(path, options) : undefined;
  const videoPart = info.hasVideo ? await inspectVideo(path, options) : undefined;
  return {
    file: path,
    durationSec: info.durationSec,
    hasAudio: info.hasAudio,
    hasVideo: info.hasVideo,
    audio: audioPart?.audio,
    video: videoPart?.video,
    clip: {
      yamnet: audioPart?.clipYamnet ?? [],
      musicnn: audioPart?.clipMusicnn ?? [],
      imagenet: videoPart?.clipImagenet ?? [],
      personFraction: videoPart ? videoPart.personFraction : null,
    },
  };
}
