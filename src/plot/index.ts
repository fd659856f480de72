// Public API of the plot module: PNG figures (mel-spectrograms with beats, training loss curves).

export { type AudioPlotOptions, plotAudioFile } from './audioPlot.js';
export { type LossPlotOptions, type LossSeries, plotLossCurves } from './lossCurves.js';
export { type MelPlotOptions, plotMelSpectrogram } from './melSpectrogramPlot.js';
