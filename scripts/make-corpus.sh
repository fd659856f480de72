#!/usr/bin/env bash
# Builds the default codec training corpus (issue 7) into data/corpus/ -- a reproducible recipe:
#   1. installs Debian's game soundtracks, fluidsynth and two General MIDI soundfonts;
#   2. writes generated GM pieces (v2meow corpus midi) and renders them with fluidsynth, alternating
#      FluidR3_GM and MuseScore_General_Lite;
#   3. runs `v2meow corpus build` over the soundtracks, the renders and ../shared/media/music, holding out
#      the evaluation clips (brahms, vibe ace), the non-music whale song and the warzone tempo excerpts
#      (cut from tracks that are already in the warzone2100 source).
# Rerunning resumes an interrupted build. Environment: MIDI_COUNT (120), MIDI_SECONDS (90), SEED (0),
# OUT (data/corpus), SHARED (../shared), JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-data/corpus}
RENDERS=${RENDERS:-data/corpus-src/midi}
SHARED=${SHARED:-../shared}
MIDI_COUNT=${MIDI_COUNT:-120}
MIDI_SECONDS=${MIDI_SECONDS:-90}
SEED=${SEED:-0}
JOBS=${JOBS:-2}
PACKAGES=(warzone2100-music hyperrogue-music singularity-music wesnoth-1.16-music fluidsynth fluid-soundfont-gm
  musescore-general-soundfont-small)

missing=()
for package in "${PACKAGES[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if ((${#missing[@]})); then
  echo "make-corpus: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  lock=""
  [ -e /tmp/apt.lock ] && lock="flock /tmp/apt.lock"
  $sudo $lock apt-get install -y --no-install-recommends "${missing[@]}"
fi

[ -f dist/src/cli/main.js ] || npx tsc -p .
v2meow() { node bin/v2meow.js "$@"; }

# Generated GM pieces, rendered to 16 kHz WAV (skipping renders already there).
v2meow corpus midi -o "$RENDERS/mid" --count "$MIDI_COUNT" --seconds "$MIDI_SECONDS" --seed 1 >&2
bash scripts/render-midi.sh "$RENDERS/mid" "$RENDERS/wav" "$JOBS"
echo "make-corpus: $(find "$RENDERS/wav" -name '*.wav' | wc -l) rendered pieces" >&2

MUSIC="$SHARED/media/music"
v2meow corpus build \
  warzone2100=/usr/share/games/warzone2100/music \
  hyperrogue=/usr/share/hyperrogue/music \
  singularity=/usr/share/games/singularity/music \
  wesnoth=/usr/share/games/wesnoth/1.16/data/core/music \
  gm-midi="$RENDERS/wav" \
  shared="$MUSIC" \
  --hold-out "$MUSIC/brahms_hungarian_dance_5.ogg" \
  --hold-out "$MUSIC/kevin_macleod_vibe_ace.ogg" \
  --hold-out "$MUSIC/glacier_bay_humpback_nonmusic.ogg" \
  --hold-out "$MUSIC/tempo" \
  --seconds 2 --sample-rate 16000 --split 0.9,0.05,0.05 --seed "$SEED" --jobs "$JOBS" \
  -o "$OUT"
v2meow corpus info "$OUT"
