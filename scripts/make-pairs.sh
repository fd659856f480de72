#!/usr/bin/env bash
# Builds the V2Meow training set (issue 13) into data/pairs/ -- a reproducible recipe:
#   1. installs Debian's game soundtracks (the codec corpus's four plus more, each licence checked: GPL-2+,
#      GPL-3+, CC BY-SA 3.0; drascula-music is left out: its licence forbids selling the game, which a trained
#      model under Apache-2.0 could not honour), fluidsynth and two General MIDI soundfonts;
#   2. unpacks the music inside game data packages (Nexuiz, UFO: Alien Invasion keep theirs in .pk3 zips);
#   3. renders generated General MIDI pieces (the codec corpus's 120 plus MORE_MIDI more, another seed);
#   4. runs `v2meow dataset build` over the music folders (music-only examples) and ../shared/media/video
#      (paired examples), holding out the evaluation material: the three Blender films (issue 13 evaluates on
#      10 s clips cut from them), the codec's evaluation clips, the whale song (not music) and the tempo
#      excerpts (cut from Warzone tracks that are in the set already).
# Rerunning resumes: renders and examples already there are kept. Environment: OUT (data/pairs), SRC
# (data/pairs-src), SHARED (../shared), MORE_MIDI (240), JOBS (1), SEMANTIC (weights/semantic).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-data/pairs}
SRC=${SRC:-data/pairs-src}
SHARED=${SHARED:-../shared}
MORE_MIDI=${MORE_MIDI:-240}
JOBS=${JOBS:-1}
SEMANTIC=${SEMANTIC:-weights/semantic}
PACKAGES=(warzone2100-music hyperrogue-music singularity-music wesnoth-1.16-music asc-music fb-music-high
  nexuiz-music planetblupi-music-ogg ufoai-music supertux-data freedroidrpg-data lincity-ng-data unzip
  fluidsynth fluid-soundfont-gm musescore-general-soundfont-small)

missing=()
for package in "${PACKAGES[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if ((${#missing[@]})); then
  echo "make-pairs: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
[ -f dist/src/cli/main.js ] || npx tsc -p .
v2meow() { node bin/v2meow.js "$@"; }

# Music packed in game data archives, with the package's copyright file beside it (the licence finder reads it).
unpack() {
  local name=$1 archive=$2 pattern=$3 package=$4
  local dir="$SRC/$name"
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    unzip -q -o "$archive" "$pattern" -d "$dir.tmp"
    cp "/usr/share/doc/$package/copyright" "$dir.tmp/LICENSE"
    touch "$dir.tmp/.done"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
}
unpack nexuiz /usr/share/games/nexuiz/data/music.pk3 '*.ogg' nexuiz-music
unpack ufoai /usr/share/games/ufoai/base/0music.pk3 '*.ogg' ufoai-music

# General MIDI renders: the codec corpus's (data/corpus-src/midi, made by make-corpus.sh) and more of them.
RENDERS=data/corpus-src/midi
[ -d "$RENDERS/wav" ] || bash scripts/make-corpus.sh
MORE="$SRC/midi"
v2meow corpus midi -o "$MORE/mid" --count "$MORE_MIDI" --seconds 90 --seed 2 >&2
bash scripts/render-midi.sh "$MORE/mid" "$MORE/wav" 2

MUSIC="$SHARED/media/music"
VIDEO="$SHARED/media/video"
v2meow dataset build \
  --videos films="$VIDEO" \
  --music warzone2100=/usr/share/games/warzone2100/music \
  --music hyperrogue=/usr/share/hyperrogue/music \
  --music singularity=/usr/share/games/singularity/music \
  --music wesnoth=/usr/share/games/wesnoth/1.16/data/core/music \
  --music asc=/usr/share/games/asc/music \
  --music frozen-bubble=/usr/share/games/frozen-bubble/snd \
  --music planetblupi=/usr/share/planetblupi/music \
  --music supertux=/usr/share/games/supertux2/music \
  --music freedroidrpg=/usr/share/freedroidrpg/data/sound/music \
  --music lincity-ng=/usr/share/games/lincity-ng/music \
  --music nexuiz="$SRC/nexuiz" \
  --music ufoai="$SRC/ufoai" \
  --music gm-midi="$RENDERS/wav" \
  --music gm-midi-2="$MORE/wav" \
  --music shared="$MUSIC" \
  --hold-out "$VIDEO/big_buck_bunny_60s.mp4" \
  --hold-out "$VIDEO/sintel_trailer.mp4" \
  --hold-out "$VIDEO/tears_of_steel_0_64s_strip.mp4" \
  --hold-out "$MUSIC/brahms_hungarian_dance_5.ogg" \
  --hold-out "$MUSIC/kevin_macleod_vibe_ace.ogg" \
  --hold-out "$MUSIC/glacier_bay_humpback_nonmusic.ogg" \
  --hold-out "$MUSIC/tempo" \
  --semantic "$SEMANTIC" --split 0.8 --seed 0 --jobs "$JOBS" \
  -o "$OUT"
v2meow dataset info "$OUT"
