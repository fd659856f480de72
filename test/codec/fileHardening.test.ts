// Hostile token and weight files (issue 16): every .v2c header field is covered by the checksum (version 2)
// and checked for sense and against the codec; version 1 files still read, with the same field checks; a
// safetensors file whose tensor shape or dtype disagrees with its bytes is refused naming the file and tensor.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeTokens, encodeToFile } from '../../src/codec/files.js';
import { createCodec, loadCodec, saveCodec } from '../../src/codec/soundstream.js';
import { decodeTokenFile, encodeTokenFile, tokenFileVersion } from '../../src/codec/tokenFile.js';
import { V2meowError } from '../../src/errors.js';
import { writeWav } from '../../src/media/wav.js';
import { manualSeed } from '../../src/torch/index.js';

const dir = mkdtempSync(join(tmpdir(), 'v2meow-file-hardening-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const header = {
  codec: 'x',
  sampleRateHz: 16000,
  frameRateHz: 50,
  codebookSize: 1024,
  numLevels: 3,
  numFrames: 5,
  numSamples: 1500,
};
const tokens = Uint16Array.from({ length: 15 }, (_, i) => (i * 97) % 1024);

/** The file's header as an object, and its token bytes. */
function split(bytes: Uint8Array): { fields: Record<string, unknown>; body: Uint8Array } {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  return {
    fields: JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))),
    body: bytes.subarray(12 + length),
  };
}

/** A token file with `fields` as its header, as is. */
function join3(fields: Record<string, unknown>, body: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(fields));
  const out = new Uint8Array(12 + json.length + body.length);
  out.set(new TextEncoder().encode('V2MEOWTK'));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(body, 12 + json.length);
  return out;
}

const rejects = (bytes: Uint8Array, pattern: RegExp) =>
  assert.throws(
    () => decodeTokenFile(bytes, 'clip.v2c'),
    (error: unknown) =>
      error instanceof V2meowError && error.file === 'clip.v2c' && pattern.test(error.message),
    String(pattern),
  );

test('version 2: an edited header field breaks the checksum', () => {
  const bytes = encodeTokenFile(header, tokens);
  const { fields, body } = split(bytes);
  assert.equal(fields.formatVersion, tokenFileVersion);
  assert.equal(decodeTokenFile(bytes).header.numSamples, 1500);
  for (const [field, value] of [
    ['numSamples', 1e12],
    ['sampleRateHz', 0],
    ['codebookSize', 65536],
    ['numFrames', 4],
    ['numLevels', 1],
    ['codec', 'y'],
  ] as const)
    rejects(join3({ ...fields, [field]: value }, body), /do not match their checksum/);
  rejects(join3({ ...fields, sha256: undefined }, body), /lacks its sha256/);
  rejects(join3({ ...fields, formatVersion: 3 }, body), /version 3/);
});

test('version 1 files still read; their header fields are checked for sense', () => {
  const v1 = (fields: Record<string, unknown>) =>
    join3(
      {
        formatVersion: 1,
        ...fields,
        tokensSha256: createHash('sha256')
          .update(split(encodeTokenFile(header, tokens)).body)
          .digest('hex'),
      },
      split(encodeTokenFile(header, tokens)).body,
    );
  assert.deepEqual(Array.from(decodeTokenFile(v1(header)).tokens), Array.from(tokens));
  rejects(v1({ ...header, numSamples: 1e12 }), /numSamples 1000000000000 does not fit 5 frames/);
  rejects(v1({ ...header, sampleRateHz: 0 }), /sampleRateHz 0/);
  rejects(v1({ ...header, codebookSize: 70000 }), /codebookSize 70000/);
  rejects(v1({ ...header, numFrames: 6 }), /does not fit|promises/);
  rejects(v1({ ...header, frameRateHz: -1 }), /frameRateHz -1/);
});

test('decoding checks the header against the codec, field by field', async () => {
  manualSeed(1);
  const codec = createCodec('debug');
  const wav = join(dir, 'tone.wav');
  await writeWav(
    wav,
    Float32Array.from({ length: 4000 }, (_, i) => 0.3 * Math.sin(i * 0.1)),
    16000,
  );
  const file = join(dir, 'tone.v2c');
  await encodeToFile(codec, wav, file);
  const { fields, body } = split(readFileSync(file));
  // Re-sign an altered header (as a careful forger would) to reach the codec checks.
  const forged = (change: Record<string, unknown>) => {
    const { sha256: _drop, ...rest } = { ...fields, ...change } as Record<string, unknown>;
    const sum = createHash('sha256')
      .update(`${JSON.stringify(rest)}\n`)
      .update(body)
      .digest('hex');
    const path = join(dir, 'forged.v2c');
    writeFileSync(path, join3({ ...rest, sha256: sum }, body));
    return path;
  };
  assert.throws(
    () => decodeTokens(codec, forged({ codebookSize: 65536 })),
    /codebookSize 65536, codec 'v2meow-soundstream-debug' has/,
  );
  assert.throws(
    () => decodeTokens(codec, forged({ sampleRateHz: 8000, frameRateHz: 25 })),
    /sampleRateHz 8000/,
  );
  // Writing the tokens over their own input is refused before any work.
  await assert.rejects(encodeToFile(codec, wav, wav), /output must end in \.v2c/);
  codec.dispose();
});

test('a weights file whose tensor shape or dtype disagrees with its bytes names the file and the tensor', () => {
  manualSeed(2);
  const codec = createCodec('debug');
  const path = join(dir, 'codec.safetensors');
  saveCodec(path, codec, {});
  codec.dispose();
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const entries = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const name = Object.keys(entries).find((key) => key !== '__metadata__')!;
  const rewrite = (change: Record<string, unknown>) => {
    const edited = { ...entries, [name]: { ...entries[name], ...change } };
    let json = JSON.stringify(edited);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    const out = join(dir, 'edited.safetensors');
    writeFileSync(out, Buffer.concat([length, Buffer.from(json), bytes.subarray(8 + headerLength)]));
    return out;
  };
  const refuses = (file: string, pattern: RegExp) =>
    assert.throws(
      () => loadCodec(file),
      (error: unknown) =>
        error instanceof V2meowError &&
        error.file === file &&
        error.message.includes(name) &&
        pattern.test(error.message),
    );
  refuses(rewrite({ shape: [1_000_000_000] }), /needs 4000000000 bytes, the file holds/);
  refuses(rewrite({ dtype: 'F64' }), /F64 .* needs \d+ bytes/);
  refuses(rewrite({ shape: [-1] }), /not a list of sizes/);
  refuses(rewrite({ data_offsets: [0, 1e15] }), /outside the file/);
});
