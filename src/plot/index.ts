// Public API of the plot module: PNG figures (mel-spectrograms with beats, training loss curves).
export { type LossPlotOptions, type LossSeries, plotLossCurves } from './lossCurves.js';
export { plotAudioFile, type AudioPlotOptions } from './audioPlot.js';
export { type MelPlotOptions, plotMelSpectrogram } from './melSpectrogramPlot.js';
