#!/usr/bin/env bash
# Renders every MIDI file of MID_DIR to a 16 kHz WAV in WAV_DIR with fluidsynth, alternating the two General MIDI
# soundfonts by piece number (even: FluidR3_GM, odd: MuseScore General Lite), skipping renders already there, and
# writes WAV_DIR/LICENSE. Used by make-corpus.sh and make-pairs.sh. Usage: render-midi.sh MID_DIR WAV_DIR [JOBS]
set -euo pipefail
mid=$1 wav=$2 jobs=${3:-2}
mkdir -p "$wav"
render() {
  local midi=$1 wav=$2 name out font
  name=$(basename "$midi" .mid)
  out="$wav/$name.wav"
  [ -s "$out" ] && return 0
  if (( 10#${name##*-} % 2 == 0 )); then font=/usr/share/sounds/sf2/FluidR3_GM.sf2; else
    font=/usr/share/sounds/sf3/MuseScore_General_Lite.sf3; fi
  fluidsynth -ni -q -g 0.6 -r 16000 -F "$out.tmp.wav" "$font" "$midi" >/dev/null 2>&1 && mv "$out.tmp.wav" "$out"
}
export -f render
find "$mid" -name '*.mid' | sort | xargs -P "$jobs" -I{} bash -c 'render "$1" "$2"' _ {} "$wav"
cat >"$wav/LICENSE" <<'LICENSE'
Generated General MIDI pieces (v2meow `corpus midi`, Apache-2.0, part of this project),
rendered with fluidsynth using the FluidR3_GM soundfont (Debian fluid-soundfont-gm, MIT: Permission is
hereby granted, free of charge ...) and MuseScore_General_Lite (Debian musescore-general-soundfont-small,
MIT, parts public domain or CC0).
SPDX-License-Identifier: Apache-2.0 AND MIT
LICENSE
