#!/usr/bin/env bash
# The default model's training recipe (issue 13): the three stages on the training set of make-pairs.sh, each
# in its own background process (nice 19, one libtorch thread each by default, so three runs share two cores),
# logging to RUNS/stageN/train.log (plus the loop's log.jsonl and loss.png). Rerunning resumes each stage from
# its checkpoint. Settings, and why (numbers in docs/default-model.md):
#   stage 3  masked (SoundStorm) layout, 3 s windows. Not in the shipped model: the codec's fine levels are
#            nearly uniform (unigram 6.87-6.92 nats of ln 1024 = 6.93), it stayed at uniform for 232 steps, and
#            its fine tokens decode worse than none (docs/default-model.md); the bundle decodes 4 levels;
#   stage 2  decoder-only delay layout WITHOUT the semantic prefix and with aligned semantic embeddings of
#            frames f-1..f+2 (src/models/stage2.ts): 1.56x cheaper per step than the prefix at 6 s crops
#            (1.70 vs 2.65 CPU-s, batch 8, one thread), and the semantic token of each step's own time is handed
#            over instead of being searched for; 6 s crops and 6 s generation windows (maxFrames 300);
#   stage 1  the small preset with aligned conditioning, 10 s crops, music rows (curves from the music itself)
#            and the film pairs; the rhythm curves are its only video stream: the training set holds 11 s of
#            paired video, too little to learn what MobileNet, motion or pose features mean, and a stream the
#            model never saw present would only shift its input at generation (V2M-Zero's music-only route).
# Environment: DATA (data/pairs), RUNS (runs/default), THREADS (1 per run), MINUTES (170: this session's
# share), STAGES ("stage2 stage1"; add stage3 to train it), STEPS1/2/3 (the cosine schedule's length).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-data/pairs}
RUNS=${RUNS:-runs/default}
THREADS=${THREADS:-1}
MINUTES=${MINUTES:-170}
STAGES=${STAGES:-stage2 stage1}
[ -f "$DATA/index.json" ] || { echo "train-default: no training set at $DATA (bash scripts/make-pairs.sh)" >&2; exit 1; }
[ -f dist/src/cli/main.js ] || npx tsc -p .

common=(--lr 5e-4 --warmup 200 --checkpoint-minutes 5 --max-minutes "$MINUTES")
args_stage3=(--seconds 3 --batch 8 --max-steps "${STEPS3:-1200}" --validate-every 200)
args_stage2=(--seconds 6 --batch 8 --max-steps "${STEPS2:-1600}" --validate-every 200
  --set semanticPrefix=false --set 'alignedSemantic=[-1,0,1,2]' --set maxFrames=300)
args_stage1=(--seconds 10 --batch 8 --max-steps "${STEPS1:-1200}" --validate-every 200
  --set 'streams=[{"name":"curves","kind":"dense","dim":6,"rateHz":25}]')

for stage in $STAGES; do
  out="$RUNS/$stage"
  mkdir -p "$out"
  declare -n extra="args_$stage"
  V2MEOW_THREADS=$THREADS nohup nice -n 19 node bin/v2meow.js train "$stage" --data "$DATA" --out "$out" \
    "${common[@]}" "${extra[@]}" >>"$out/train.log" 2>&1 &
  echo "train-default: $stage pid $! (log $out/train.log)"
done
