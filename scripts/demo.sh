#!/usr/bin/env bash
# The main job on an embedded default: builds a 10 s test clip (a bouncing picture and a 120 bpm drum loop, made
# with ffmpeg's lavfi sources, so nothing needs downloading), then runs what v2meow has today on it: rhythm of
# the music and of the picture (tempo, beats, visual beats, cuts, beat alignment), what the encoders hear and
# see, a mel-spectrogram with beats, the visual streams and rhythm curves (curves.png), and the soundtrack
# through the music codec (tokens and back). Soundtrack generation joins when the three stages land.
# Usage: scripts/demo.sh [VIDEO]   (default: the generated clip; outputs in runs/demo/)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/src/cli/main.js ] || bash scripts/setup.sh
out=runs/demo
mkdir -p "$out"
video=${1:-$out/demo_clip.mp4}
if [ -z "${1:-}" ]; then
  # picture: a box moving back and forth twice a second; sound: kick on every beat at 120 bpm + a hat
  ffmpeg -v error -y \
    -f lavfi -i "color=c=navy:s=320x240:r=24:d=10[bg];color=c=orange:s=60x60:r=24:d=10[box];[bg][box]overlay=x='130+100*sin(2*PI*t)':y=90" \
    -f lavfi -i "aevalsrc='0.8*sin(2*PI*60*t)*exp(-18*mod(t,0.5))+0.2*(random(0)-0.5)*exp(-60*mod(t+0.25,0.5))':s=16000:d=10" \
    -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$video"
fi
node bin/v2meow.js rhythm "$video"
node bin/v2meow.js inspect "$video"
node bin/v2meow.js plot "$video" -o "$out/mel.png" --beats
node bin/v2meow.js features "$video" --plot "$out/curves.png"
node bin/v2meow.js codec encode "$video" -o "$out/soundtrack.v2c"
node bin/v2meow.js codec decode "$out/soundtrack.v2c" -o "$out/soundtrack_codec.wav"
if [ -f weights/v2meow/bundle.json ]; then
  node bin/v2meow.js generate "$video" -t "upbeat electronic" -o "$out/generated.mp4" --plot "$out/generated_mel.png"
else
  echo "demo: no model bundle is shipped yet (weights/v2meow): generating with --model debug, random untrained"
  echo "      weights, so generated.mp4's music is noise until the default model ships"
  node bin/v2meow.js generate "$video" -t "upbeat electronic" -o "$out/generated.mp4" --plot "$out/generated_mel.png" --model debug
fi
echo "demo: outputs in $out/"
